using Archive.Web.Infrastructure;

// The container image has no curl: `dotnet Archive.Web.dll --health-probe` is its health check.
if (args.Contains("--health-probe")) return await HealthProbe.RunAsync();

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    // The repository keeps one top-level wwwroot/; the build copies it next to the app (see the csproj).
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
});

builder.AddArchiveServices();

var app = builder.Build();

app.UseArchivePipeline();
app.MapArchiveEndpoints();

app.Run();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
