using Archive.Data;
using Archive.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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
    }

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        await database.DisposeAsync();
    }
}
