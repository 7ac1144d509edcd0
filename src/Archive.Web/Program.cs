using Archive.Web.Accounts;
using Archive.Web.Infrastructure;

// The container image has no curl: `dotnet Archive.Web.dll --health-probe` is its health check.
if (args.Contains("--health-probe")) return await HealthProbe.RunAsync();

// The web root is the repository's top-level wwwroot/, which src/Archive.Web/wwwroot links to (a symbolic link), so the
// SDK fingerprints, compresses and publishes it as the project's own static web assets.
var builder = WebApplication.CreateBuilder(args);

builder.AddArchiveServices();

var app = builder.Build();

// `Archive.Web accounts …`: account tasks (the first admin) run against the same services, then exit.
if (args.FirstOrDefault() == AccountsCommand.Verb) return await AccountsCommand.RunAsync(app.Services, args);

app.UseArchivePipeline();
app.MapArchiveEndpoints();

app.Run();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
