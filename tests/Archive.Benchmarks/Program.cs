using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Archive.Benchmarks -- --filter '*Forward*'
// dotnet tests/Archive.Benchmarks/bin/Release/net10.0/Archive.Benchmarks.dll blob-server --dir D --port P   (.ci/bench-blobs)
if (args is ["blob-server", ..]) return await Archive.Benchmarks.Blobs.BlobBenchmarkServer.RunAsync(args[1..]);
// dotnet tests/Archive.Benchmarks/bin/Release/net10.0/Archive.Benchmarks.dll feature-export --postgres CS [--sizes 4096,16384]
if (args is ["feature-export", ..]) return await Archive.Benchmarks.Exports.FeatureExportMeasurement.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Archive.Benchmarks.ForwardBenchmarks).Assembly).Run(args);
return 0;
