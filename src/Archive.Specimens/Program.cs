using Archive.Specimens;
using Archive.Specimens.Build;
using Archive.Specimens.Import;

// `archive-specimens --help` lists the verbs; it needs no database.
if (args is [] or ["--help" or "-h" or "help", ..])
{
    Console.WriteLine("""
        archive-specimens — builds the Specimen Archive's own specimens and imports specimen bundles

          archive-specimens build [--only slug] [--out folder]
                                         train the archive's own specimens from their seeds and write their bundles
                                         (default: src/Archive.Specimens/Bundles of this repository)
          archive-specimens import <folder>
                                         import the specimen bundles in <folder> into the archive (idempotent) and
                                         queue their claims for the evidence worker
          archive-specimens import-neuronpedia <folder-or-zip> --dictionary <slug>
                                         replace the features (statistics, top contexts, explanations) of dictionary
                                         <slug> with those of a Neuronpedia export ({modelId}/{sourceId}/features/...);
                                         the dictionary itself (cfg.json, weights) must be imported first
          archive-specimens import-saelens <folder> --model <slug> --tokens <file> --windows <n> --length <n>
                                         [--slug s] [--title t] [--description d] [--token-description d] [--wait]
                                         any SAELens folder (SAELens 5.x or 6.x cfg.json; standard, TopK, JumpReLU)
                                         as a dictionary of model <slug>; the evidence worker computes its dashboards
                                         over the token ids in <file> (little-endian int32, windows × length; or
                                         --token-set <sha256> for ids the archive holds); --wait follows it to the end

        Configuration (environment variables): ConnectionStrings__Archive and Blobs__* (the blob store), as for the
        site and the worker. See the README.
        """);
    return args is [] ? 2 : 0;
}

if (args is ["build", ..])
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    return BuildCommand.Run(args[1..], cancel.Token);
}

if (args is ["import-neuronpedia", ..])
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    return await NeuronpediaImportCommand.RunAsync(args[1..], cancel.Token);
}

if (args is ["import-saelens", ..])
{
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    return await SaeLensImportCommand.RunAsync(args[1..], cancel.Token);
}

if (args is not ["import", var folder])
{
    Console.Error.WriteLine($"Unknown verb '{string.Join(' ', args)}'. See archive-specimens --help.");
    return 2;
}

using var host = ArchiveHost.Build();
await using var scope = host.Services.CreateAsyncScope();
return await ActivatorUtilities.CreateInstance<BundleImporter>(scope.ServiceProvider).ImportFolderAsync(folder, CancellationToken.None);
