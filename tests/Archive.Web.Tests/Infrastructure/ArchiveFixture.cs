using Archive.Data;
using Archive.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
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

    /// <summary>The real server's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => factory.Services;

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
                TablesToIgnore = ["__EFMigrationsHistory"],
            });
        }

        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("ConnectionStrings:Archive", ConnectionString);
        });
        factory.UseKestrel(0);
        factory.StartServer();
        BaseAddress = factory.ClientOptions.BaseAddress;
    }

    public HttpClient CreateClient() => factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    public ArchiveDbContext CreateDbContext() => ArchiveDataExtensions.CreateDbContext(ConnectionString);

    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await respawner.ResetAsync(connection);
    }

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        await database.DisposeAsync();
    }
}
