using Archive.Web.Infrastructure;

// The container image has no curl: `dotnet Archive.Web.dll --health-probe` is its health check.
if (args.Contains("--health-probe")) return await HealthProbe.RunAsync();

// The web root is the repository's top-level wwwroot/, which src/Archive.Web/wwwroot links to (a symbolic link), so the
// SDK fingerprints, compresses and publishes it as the project's own static web assets.
var builder = WebApplication.CreateBuilder(args);

builder.AddArchiveServices();

var app = builder.Build();

app.UseArchivePipeline();
app.MapArchiveEndpoints();

app.Run();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
