using System.Security.Cryptography;
using System.Text.Json;
using Archive.Data;
using Archive.Data.Blobs;
using Archive.Data.Dictionaries;
using Archive.Formats.SaeLens;
using Microsoft.EntityFrameworkCore;

namespace Archive.Specimens.Import;

/// <summary>
/// <c>archive-specimens import-saelens</c>: any SAELens folder (either line's cfg.json) as a dictionary of the archive,
/// through the same rule as <c>POST /api/v1/dictionaries</c> (<see cref="DictionaryUploads"/>); the evidence worker then
/// computes its dashboards from the model over the token set. <c>--wait</c> follows the worker until they are ready.
/// Exit code 2 for a usage error, 1 for a folder that cannot be imported (or dashboards that failed), reasons on stderr.
/// </summary>
public static class SaeLensImportCommand
{
    public const string Usage = """
        archive-specimens import-saelens <folder> --model <slug> --tokens <file> --windows <n> --length <n>
                                        [--slug <slug>] [--title <text>] [--description <text>] [--token-description <text>] [--wait]
          (or --token-set <sha256> instead of --tokens, for a token set the archive already holds)
        """;

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        string? folder = null;
        var wait = false;
        string[] valued = ["--model", "--tokens", "--token-set", "--windows", "--length", "--slug", "--title", "--description", "--token-description"];
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--wait") wait = true;
            else if (valued.Contains(args[i]) && i + 1 < args.Length) options[args[i]] = args[++i];
            else if (!args[i].StartsWith("--", StringComparison.Ordinal) && folder is null) folder = args[i];
            else return UsageError($"Unknown argument '{args[i]}'.");
        }
        if (folder is null || !options.TryGetValue("--model", out var modelSlug) || options.ContainsKey("--tokens") == options.ContainsKey("--token-set")
            || !int.TryParse(options.GetValueOrDefault("--windows"), out var windows) || !int.TryParse(options.GetValueOrDefault("--length"), out var length))
            return UsageError("A folder, --model, --windows, --length and one of --tokens or --token-set are required.");
        if (!Directory.Exists(folder)) return Fail($"No folder '{folder}'.");

        var slug = options.GetValueOrDefault("--slug") ?? SlugOf(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))));
        var tokensFile = options.GetValueOrDefault("--tokens");
        if (!options.TryGetValue("--token-set", out var tokenSha))
        {
            if (!File.Exists(tokensFile)) return Fail($"No token file '{tokensFile}'.");
            await using var stream = File.OpenRead(tokensFile);
            tokenSha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        }
        var manifest = JsonSerializer.Serialize(new DictionaryManifest
        {
            Slug = slug, Title = options.GetValueOrDefault("--title") ?? slug, Description = options.GetValueOrDefault("--description") ?? "",
            Model = modelSlug, TokenSet = new DictionaryTokenSet(tokenSha, windows, length, options.GetValueOrDefault("--token-description") ?? ""),
        }, DictionaryManifest.JsonOptions);

        using var host = ArchiveHost.Build();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<IBlobStore>();
        var staged = new Dictionary<string, StagedBlob>(StringComparer.Ordinal);
        try
        {
            foreach (var name in new[] { SaeLensFileNames.Config, SaeLensFileNames.Weights, SaeLensFileNames.Sparsity })
            {
                var path = Path.Combine(folder, name);
                if (File.Exists(path)) staged[name] = await StageAsync(store, path, ct);
            }
            if (tokensFile is not null) staged[DictionaryUploads.TokensPath(tokenSha)] = await StageAsync(store, tokensFile, ct);
            var result = await DictionaryUploads.StoreAsync(db, store, manifest, staged, DictionaryUploader.Operator, ct);
            foreach (var warning in result.Warnings) Console.Error.WriteLine($"Note: {warning}");
            Console.WriteLine($"{(result.Replaced ? "Replaced" : "Imported")} dictionary '{result.Slug}'; the evidence worker computes its dashboards ({DictionaryUploads.DescribeTokenSet(new DictionaryTokenSet(tokenSha, windows, length))}).");
        }
        catch (DictionaryUploadRefusedException refused)
        {
            foreach (var fault in refused.Faults) Console.Error.WriteLine(fault);
            return 1;
        }
        finally
        {
            foreach (var file in staged.Values) await file.DisposeAsync();
        }
        return wait ? await WaitAsync(db, slug, ct) : 0;
    }

    /// <summary>Follows the worker's progress on the job, a line per step, until it ends.</summary>
    private static async Task<int> WaitAsync(ArchiveDbContext db, string slug, CancellationToken ct)
    {
        var lastStep = -1;
        while (true)
        {
            var job = await db.DashboardJobs.AsNoTracking().Where(j => j.FeatureDictionary.Slug == slug)
                .Select(j => new { j.Status, j.Step, j.Error }).SingleAsync(ct);
            switch (job.Status)
            {
                case DashboardStatus.Ready:
                    Console.WriteLine("Dashboards ready.");
                    return 0;
                case DashboardStatus.Failed:
                    return Fail($"The dashboards failed: {job.Error}");
            }
            if (job.Step != lastStep) Console.WriteLine($"  {(job.Step == 0 ? "queued: " : $"step {job.Step} of {DashboardSteps.Count}: ")}{DashboardSteps.Describe(job.Step)}");
            lastStep = job.Step;
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    private static async Task<StagedBlob> StageAsync(IBlobStore store, string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        return await store.StageAsync(file, null, ct);
    }

    /// <summary>A folder name as a slug: lower case, runs of anything else as one '-'.</summary>
    private static string SlugOf(string name) =>
        System.Text.RegularExpressions.Regex.Replace(name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"{message}\nUsage: {Usage}");
        return 2;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 1;
    }
}
