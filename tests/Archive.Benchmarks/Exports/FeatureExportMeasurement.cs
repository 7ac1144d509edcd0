using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using Archive.Data;
using Archive.Data.Dictionaries;
using Archive.Data.Models;
using Archive.Web.Dictionaries.Exports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Archive.Benchmarks.Exports;

/// <summary>
/// <c>Archive.Benchmarks feature-export --postgres "Host=…;Username=…;Database=postgres" [--sizes 4096,16384]
/// [--contexts 10] [--tokens 32]</c>: the bulk downloads of synthetic dictionaries of each size, through the site's own
/// endpoints (<see cref="DictionaryExportsApi"/>) on Kestrel, read by an HTTP client in the same process that keeps no
/// bytes. For each download: bytes, MB/s, and the process's peak managed heap above its idle heap and peak working set
/// while it runs, sampled every 2 ms. Flat memory means the peaks are the same for every size. The database is a fresh
/// one on the given server, seeded in SQL (generate_series), and dropped at the end.
/// </summary>
public static class FeatureExportMeasurement
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string? fallback = null) =>
            args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback ?? throw new ArgumentException($"feature-export needs {name}");
        var server = Arg("--postgres", Environment.GetEnvironmentVariable("ARCHIVE_TEST_POSTGRES"));
        var sizes = Arg("--sizes", "4096,16384").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var contexts = int.Parse(Arg("--contexts", "10"), CultureInfo.InvariantCulture);
        var tokens = int.Parse(Arg("--tokens", "32"), CultureInfo.InvariantCulture);

        var name = $"archive_bench_export_{Guid.NewGuid():N}"[..40];
        var admin = new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString;
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"");
        try
        {
            await using (var db = ArchiveDataExtensions.CreateDbContext(connectionString)) await db.Database.MigrateAsync();
            foreach (var size in sizes.Distinct()) await SeedAsync(connectionString, size, contexts, tokens);
            // Fresh tables have no statistics; without them the planner may scan every context for each page of features.
            await ExecuteAsync(connectionString, "ANALYZE");
            Console.WriteLine($"Seeded dictionaries of {string.Join(", ", sizes)} features, {contexts} contexts of {tokens} tokens each.");

            await using var app = BuildServer(connectionString);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(10) };

            Console.WriteLine($"{"download",-18} {"features",9} {"MB",9} {"s",7} {"MB/s",8} {"features/s",11} {"peak heap MB",13} {"allocated MB",13} {"peak WS MB",11}");
            foreach (var format in new[] { "features.jsonl", "neuronpedia.zip" })
            {
                // One unreported run of each size first, so that tiered JIT has settled and PostgreSQL's cache holds the
                // rows: the first downloads after start-up run several times slower.
                foreach (var size in sizes.Distinct()) await MeasureAsync(client, format, size);
                foreach (var size in sizes)
                {
                    var m = await MeasureAsync(client, format, size);
                    Console.WriteLine($"{format,-18} {size,9} {m.Bytes / 1e6,9:F1} {m.Seconds,7:F2} {m.Bytes / 1e6 / m.Seconds,8:F1} {size / m.Seconds,11:F0} {m.PeakHeapBytes / 1e6,13:F1} {m.AllocatedBytes / 1e6,13:F1} {m.PeakWorkingSetBytes / 1e6,11:F1}");
                }
            }
            await app.StopAsync();
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    private sealed record Measurement(long Bytes, double Seconds, long PeakHeapBytes, long AllocatedBytes, long PeakWorkingSetBytes);

    private static async Task<Measurement> MeasureAsync(HttpClient client, string format, int size)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var idleHeap = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long peakHeap = idleHeap, peakWorkingSet = Environment.WorkingSet;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(forceFullCollection: false));
                peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
                await Task.Delay(2);
            }
        });

        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync($"/api/v1/dictionaries/{Slug(size)}/{format}", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        long bytes = 0;
        for (int read; (read = await body.ReadAsync(buffer)) > 0;) bytes += read;
        clock.Stop();
        await stop.CancelAsync();
        await sampler;
        return new Measurement(bytes, clock.Elapsed.TotalSeconds, peakHeap - idleHeap, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore, peakWorkingSet);
    }

    /// <summary>The site's JSON options and the exports' endpoints, nothing else: the measurement is the download's path.</summary>
    private static WebApplication BuildServer(string connectionString)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddArchiveData(connectionString);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        var app = builder.Build();
        app.MapDictionaryExportsApi();
        return app;
    }

    private static string Slug(int size) => $"synthetic-{size.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A dictionary of <paramref name="size"/> features shaped like real dashboards: a 20-bin histogram, 10
    /// positive and negative logits, 8 similar features, an explanation, and the given contexts.</summary>
    private static async Task SeedAsync(string connectionString, int size, int contexts, int tokens)
    {
        await using var db = ArchiveDataExtensions.CreateDbContext(connectionString);
        var sha = new string('b', 64);
        if (!await db.Models.AnyAsync())
        {
            await db.Database.ExecuteSqlAsync($"INSERT INTO blobs (sha256, size_bytes, media_type, created_at) VALUES ({sha}, 0, 'application/octet-stream', now())");
            db.Models.Add(new Model
            {
                Slug = "synthetic-2l", Name = "Synthetic 2-layer model", Architecture = "attn-only", ConfigJson = """{"n_layers":2,"d_model":512}""",
                NLayers = 2, DModel = 512, WeightsFileName = "model.safetensors", Sha256 = sha, CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }
        var model = await db.Models.SingleAsync();
        var dictionary = new FeatureDictionary
        {
            Slug = Slug(size), Title = $"Synthetic {size}-feature dictionary", Model = model, HookName = "blocks.1.hook_resid_post", HookLayer = 1,
            Architecture = "topk", DIn = 512, DSae = size, K = 32, ConfigJson = "{}", Sha256 = sha, CreatedAt = DateTimeOffset.UtcNow,
        };
        db.FeatureDictionaries.Add(dictionary);
        await db.SaveChangesAsync();
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO features (feature_dictionary_id, index, explanation, density, max_activation, histogram_json, positive_logits_json, negative_logits_json, similar_features_json)
            SELECT {dictionary.Id}, i, 'synthetic feature ' || i || ': fires on tokens of kind ' || (i % 97), (i % 1000 + 1) / 100000.0, 1 + (i % 50) / 10.0,
                jsonb_build_object('edges', (SELECT jsonb_agg(-5 + b * 0.3) FROM generate_series(0, 20) b), 'counts', (SELECT jsonb_agg((i * b) % 1000) FROM generate_series(1, 20) b), 'underflow', 0, 'overflow', 0),
                (SELECT jsonb_agg(jsonb_build_object('token', ' tok' || ((i + t) % 50000), 'value', 1.0 / t)) FROM generate_series(1, 10) t),
                (SELECT jsonb_agg(jsonb_build_object('token', ' neg' || ((i + t) % 50000), 'value', -1.0 / t)) FROM generate_series(1, 10) t),
                (SELECT jsonb_agg(jsonb_build_object('index', (i + s * 37) % {size}, 'cosine', 1.0 / (s + 1))) FROM generate_series(1, 8) s)
            FROM generate_series(0, {size} - 1) i
            """);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO feature_activations (feature_id, rank, max_value, max_token_index, tokens, values)
            SELECT f.id, r, f.max_activation / (r + 1), {tokens} / 2,
                ARRAY(SELECT ' w' || ((f.index * 31 + r * 7 + t) % 50000) FROM generate_series(1, {tokens}) t),
                ARRAY(SELECT CASE WHEN t = {tokens} / 2 + 1 THEN f.max_activation / (r + 1) ELSE ((f.index + t) % 7) / 10.0 END FROM generate_series(1, {tokens}) t)
            FROM features f CROSS JOIN generate_series(0, {contexts} - 1) r
            WHERE f.feature_dictionary_id = {dictionary.Id}
            """);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
