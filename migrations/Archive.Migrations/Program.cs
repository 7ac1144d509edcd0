using Archive.Data.Blobs;
using Archive.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// The run-once migration applier: web and worker start after it exits successfully (docker-compose
// `service_completed_successfully`; the run script runs it first). Retries while PostgreSQL is still starting. It also
// prepares the blob store (folders, the bucket) and moves files an older archive kept in PostgreSQL into it.
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
var connectionString = configuration.GetConnectionString("Archive")
    ?? (args.Length > 0 ? args[0] : null)
    ?? throw new InvalidOperationException("Set ConnectionStrings__Archive (or pass the connection string as the first argument).");

await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddBlobStore().BuildServiceProvider();
IBlobStore store;
try
{
    store = services.GetRequiredService<IBlobStore>();
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    Console.Error.WriteLine($"The blob store is not configured: {string.Join(" ", e.Failures)}");
    return 2;
}

for (var attempt = 1; ; attempt++)
{
    try
    {
        var applied = await ArchiveMigrator.MigrateAsync(connectionString, store, Console.Out, CancellationToken.None);
        Console.WriteLine(applied.Count == 0 ? "Database is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        return 0;
    }
    catch (Npgsql.NpgsqlException ex) when (attempt < 30 && ex.IsTransient)
    {
        Console.WriteLine($"PostgreSQL not ready ({ex.Message}); retrying in 2 s.");
        await Task.Delay(TimeSpan.FromSeconds(2));
    }
}
