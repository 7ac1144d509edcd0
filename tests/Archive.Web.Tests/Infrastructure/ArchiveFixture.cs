using Archive.Data;
using Archive.Data.Blobs;
using Archive.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Respawn;

[assembly: AssemblyFixture(typeof(Archive.Web.Tests.Infrastructure.ArchiveFixture))]
// One database and one server for the whole run; tests reset it, so they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Archive.Web.Tests.Infrastructure;

/// <summary>
/// The run's archive: a fresh migrated database on the test cluster and the real web app on a real Kestrel port
/// (so Chromium can reach it), started once for the assembly. <see cref="ResetAsync"/> empties every table between tests.
/// </summary>
public sealed class ArchiveFixture : IAsyncLifetime
{
    private PostgresDatabase database = null!;
    private Respawner respawner = null!;
    private WebApplicationFactory<Program> factory = null!;

    public string ConnectionString => database.ConnectionString;

    /// <summary>The run's filesystem blob store (the site's default backend).</summary>
    public string BlobDirectory { get; } = Path.Combine(Path.GetTempPath(), "archive-web-tests-blobs-" + Guid.NewGuid().ToString("N"));

    /// <summary>
    /// The hash that fixture models and dictionaries name when a test never reads their files. A blob row for it is
    /// recorded after every reset (the schema wants one), but the store holds no bytes for it.
    /// </summary>
    public static readonly ContentHash PlaceholderFile = ContentHash.Parse(new string('a', 64));

    /// <summary>The real server's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => factory.Services;

    /// <summary>What the site logged (password-reset links among it, as on a local archive without SMTP).</summary>
    public RecordedLogs Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        database = await PostgresDatabase.CreateAsync("archive_web_tests");
        await using (var db = CreateDbContext())
        {
            await db.Database.MigrateAsync();
        }
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            respawner = await Respawner.CreateAsync(connection, new RespawnerOptions
            {
                DbAdapter = DbAdapter.Postgres,
                SchemasToInclude = ["public"],
                // The migration seeds the four roles; they are part of the schema, not test data.
                TablesToIgnore = ["__EFMigrationsHistory", "roles", "data_protection_keys"],
            });
        }

        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("ConnectionStrings:Archive", ConnectionString);
            web.UseSetting("Blobs:Directory", BlobDirectory);
            // Every test calls from 127.0.0.1: the per-address limits would otherwise count the whole run as one client.
            web.UseSetting("Archive:EvidenceRequestsPerMinute", "10000");
            web.UseSetting("Archive:GraphUploadsPerMinute", "10000");
            web.ConfigureLogging(logging => logging.AddProvider(Logs));
        });
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First().Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1") + "/");
    }

    /// <summary>A real HTTP client to the real server (no redirects followed, so tests see them).</summary>
    public HttpClient CreateClient() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

    public ArchiveDbContext CreateDbContext() => ArchiveDataExtensions.CreateDbContext(ConnectionString);

    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await respawner.ResetAsync(connection);
        await using var placeholder = new NpgsqlCommand(
            "INSERT INTO blobs (sha256, size_bytes, media_type, created_at) VALUES (@sha, 0, 'application/octet-stream', now())", connection);
        placeholder.Parameters.AddWithValue("sha", PlaceholderFile.Hex);
        await placeholder.ExecuteNonQueryAsync();
    }

    /// <summary>Stores a file as the archive does (blob store, then its row) and returns its hash.</summary>
    public async Task<ContentHash> StoreFileAsync(byte[] bytes)
    {
        var store = Services.GetRequiredService<IBlobStore>();
        await using var db = CreateDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        await using var staged = await store.StageAsync(new MemoryStream(bytes), null, CancellationToken.None);
        var stored = await BlobRows.StoreAsync(db, store, staged, BlobRows.MediaTypes.Safetensors, CancellationToken.None);
        await transaction.CommitAsync();
        return stored.Hash;
    }

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        await database.DisposeAsync();
        if (Directory.Exists(BlobDirectory)) Directory.Delete(BlobDirectory, recursive: true);
    }
}
