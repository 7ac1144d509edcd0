using Archive.Data;
using Archive.Worker.Methods;
using Archive.Worker.Evidence;
using Archive.Worker.Import;

// archive-worker                   runs the evidence worker (takes queued evidence runs until stopped)
// archive-worker import <folder>   imports the specimen bundles in <folder> (idempotent; used by .ci/start)
// archive-worker specimens build [--only slug] [--out folder]   trains the archive's own specimens and writes their bundles
if (args is ["specimens", "build", ..])
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    return Archive.Worker.Build.BuildCommand.Run(args[2..], cancel.Token);
}

var builder = Host.CreateApplicationBuilder(args.Length > 0 && args[0] is "import" ? [] : args);
builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
if (!builder.Environment.IsDevelopment()) builder.Logging.AddJsonConsole();

var connectionString = builder.Configuration.GetConnectionString("Archive")
    ?? throw new InvalidOperationException("ConnectionStrings:Archive is not set. Start the archive with .ci/start, which provides a local PostgreSQL.");
builder.Services.AddArchiveData(connectionString);
builder.Services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString));
builder.Services.AddOptions<EvidenceWorkerOptions>().BindConfiguration(EvidenceWorkerOptions.SectionName);
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

await host.RunAsync();
return 0;
