using Archive.Data;
using Archive.Data.Dictionaries;

namespace Archive.Specimens.Import;

/// <summary>
/// <c>archive-specimens import-neuronpedia &lt;folder-or-zip&gt; --dictionary &lt;slug&gt;</c>: runs <see cref="NeuronpediaImporter"/>
/// against the archive's database (ConnectionStrings__Archive, as for <c>import</c>). Exit code 2 for a usage error,
/// 1 for an export that cannot be imported, with the reason on stderr.
/// </summary>
public static class NeuronpediaImportCommand
{
    public const string Usage = "archive-specimens import-neuronpedia <folder-or-zip> --dictionary <slug>";

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        string? path = null, slug = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dictionary" when i + 1 < args.Length: slug = args[++i]; break;
                case var a when !a.StartsWith("--", StringComparison.Ordinal) && path is null: path = a; break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: {Usage}");
                    return 2;
            }
        }
        if (path is null || slug is null)
        {
            Console.Error.WriteLine($"Usage: {Usage}");
            return 2;
        }

        using var host = ArchiveHost.Build();
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
        try
        {
            var result = await NeuronpediaImporter.ImportAsync(db, path, slug, Console.Out, ct);
            Console.WriteLine($"Imported {result.Features} features, {result.Activations} top contexts and {result.Explanations} explanations from {result.Source} into dictionary '{slug}'.");
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }
}
