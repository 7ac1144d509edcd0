using Archive.Data;
using Archive.Data.Blobs;
using Archive.Worker.Blobs;
using Archive.Worker.Methods;
using Archive.Worker.Evidence;
using Archive.Worker.Import;

// archive-worker                   runs the evidence worker (takes queued evidence runs until stopped)
// archive-worker import <folder>   imports the specimen bundles in <folder> (idempotent; used by .ci/start)
// archive-worker specimens build [--only slug] [--out folder]   trains the archive's own specimens and writes their bundles
// archive-worker blobs gc [--dry-run]   removes blobs no row refers to, and staging files of dead uploads
// archive-worker blobs verify          re-hashes every blob in the store and lists the ones that do not match their name
if (args is ["specimens", "build", ..])
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    return Archive.Worker.Build.BuildCommand.Run(args[2..], cancel.Token);
}

var isCommand = args.Length > 0 && args[0] is "import" or "blobs";
var builder = Host.CreateApplicationBuilder(isCommand ? [] : args);
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
if (!builder.Environment.IsDevelopment()) builder.Logging.AddJsonConsole();

var connectionString = builder.Configuration.GetConnectionString("Archive")
    ?? throw new InvalidOperationException("ConnectionStrings:Archive is not set. Start the archive with .ci/start, which provides a local PostgreSQL.");
builder.Services.AddArchiveData(connectionString);
builder.Services.AddBlobStore();
builder.Services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString));
builder.Services.AddOptions<EvidenceWorkerOptions>().BindConfiguration(EvidenceWorkerOptions.SectionName).ValidateOnStart();
builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<EvidenceWorkerOptions>, EvidenceWorkerOptionsValidator>();
builder.Services.AddEvidenceMethods();
builder.Services.AddHostedService<EvidenceWorker>();

using var host = builder.Build();

if (args.Length > 0 && args[0] == "import")
{
    var folder = args.Length > 1 ? args[1] : throw new ArgumentException("usage: archive-worker import <bundles-folder>");
    await using var scope = host.Services.CreateAsyncScope();
    var importer = ActivatorUtilities.CreateInstance<BundleImporter>(scope.ServiceProvider);
    return await importer.ImportFolderAsync(folder, CancellationToken.None);
}

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
