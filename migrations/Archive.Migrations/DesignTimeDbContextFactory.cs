using Archive.Data;
using Microsoft.EntityFrameworkCore.Design;

namespace Archive.Migrations;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ArchiveDbContext>
{
    public ArchiveDbContext CreateDbContext(string[] args) =>
        ArchiveDataExtensions.CreateDbContext(
            Environment.GetEnvironmentVariable("ConnectionStrings__Archive") ?? "Host=localhost;Database=archive_design");
}
