using Archive.Data;
using Microsoft.EntityFrameworkCore;

// The run-once migration applier: web and worker start after it exits successfully (docker-compose
// `service_completed_successfully`; the run script runs it first). Retries while PostgreSQL is still starting.
var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Archive")
    ?? (args.Length > 0 ? args[0] : null)
    ?? throw new InvalidOperationException("Set ConnectionStrings__Archive (or pass the connection string as the first argument).");

await using var db = ArchiveDataExtensions.CreateDbContext(connectionString);
for (var attempt = 1; ; attempt++)
{
    try
    {
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        await db.Database.MigrateAsync();
        Console.WriteLine(pending.Count == 0 ? "Database is up to date." : $"Applied {pending.Count} migration(s): {string.Join(", ", pending)}");
        return 0;
    }
    catch (Npgsql.NpgsqlException ex) when (attempt < 30 && ex.IsTransient)
    {
        Console.WriteLine($"PostgreSQL not ready ({ex.Message}); retrying in 2 s.");
        await Task.Delay(TimeSpan.FromSeconds(2));
    }
}
