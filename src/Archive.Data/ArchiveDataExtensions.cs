using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Archive.Data;

public static class ArchiveDataExtensions
{
    /// <summary>The assembly that holds the EF Core migrations (the top-level <c>migrations/</c> folder).</summary>
    public const string MigrationsAssembly = "Archive.Migrations";

    /// <summary>Options shared by the web app, the worker, the migration runner and the tests.</summary>
    public static DbContextOptionsBuilder UseArchiveDatabase(this DbContextOptionsBuilder options, string connectionString) =>
        options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(MigrationsAssembly))
            .UseSnakeCaseNamingConvention();

    /// <summary>A context outside dependency injection (the migration runner, command-line verbs, test fixtures).</summary>
    public static ArchiveDbContext CreateDbContext(string connectionString)
    {
        var options = new DbContextOptionsBuilder<ArchiveDbContext>();
        options.UseArchiveDatabase(connectionString);
        return new ArchiveDbContext(options.Options);
    }

    public static IServiceCollection AddArchiveData(this IServiceCollection services, string connectionString) =>
        services.AddDbContext<ArchiveDbContext>(options => options.UseArchiveDatabase(connectionString));
}
