using Archive.Data;
using Archive.Data.Blobs;
using Archive.Worker.Blobs;
using Archive.Worker.Methods;
using Archive.Worker.Evidence;

// `archive-worker --help` lists the verbs.
if (args is ["--help" or "-h" or "help", ..])
{
    Console.WriteLine("""
        archive-worker — the Specimen Archive's evidence worker (and the dashboards of uploaded dictionaries)

          archive-worker                                 take evidence runs and dashboard jobs from their queues until stopped
          archive-worker blobs gc [--dry-run]            remove blobs no row refers to, and staging files of dead uploads
          archive-worker blobs verify                    re-hash every blob; list those that no longer match their name

        Configuration (environment variables): ConnectionStrings__Archive, Blobs__* (the blob store), EvidenceWorker__*
        (LeaseDuration, MaxAttempts, RetryDelay, Concurrency, CacheDirectory, CacheMaxBytes, WorkerName),
        Logging__Console__FormatterName=json for structured logs. Specimens are built and imported by archive-specimens.
        See the README.
        """);
    return 0;
}

var isCommand = args.Length > 0 && args[0] is "blobs";
// appsettings.json sits beside the binary, wherever the worker is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = isCommand ? [] : args, ContentRootPath = AppContext.BaseDirectory });
// One readable line per event (appsettings.json); Logging__Console__FormatterName=json switches to structured logs.

var connectionString = builder.Configuration.GetConnectionString("Archive")
    ?? throw new InvalidOperationException("ConnectionStrings:Archive is not set. Start the archive with .ci/start, which provides a local PostgreSQL.");
builder.Services.AddArchiveData(connectionString);
builder.Services.AddBlobStore();
builder.Services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString));
builder.Services.AddOptions<EvidenceWorkerOptions>().BindConfiguration(EvidenceWorkerOptions.SectionName).ValidateOnStart();
builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<EvidenceWorkerOptions>, EvidenceWorkerOptionsValidator>();
builder.Services.AddEvidenceMethods();
builder.Services.AddHostedService<EvidenceWorker>();
builder.Services.AddHostedService<Archive.Worker.Dictionaries.DashboardWorker>();

using var host = builder.Build();

if (args is ["blobs", var verb, ..])
{
    await using var scope = host.Services.CreateAsyncScope();
    return verb switch
    {
        "gc" => await BlobCommands.CollectAsync(scope.ServiceProvider, dryRun: args.Contains("--dry-run"), CancellationToken.None),
        "verify" => await BlobCommands.VerifyAsync(scope.ServiceProvider, CancellationToken.None),
        _ => BlobCommands.Usage(),
    };
}

await host.RunAsync();
return 0;
