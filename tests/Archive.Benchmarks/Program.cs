using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Archive.Benchmarks -- --filter '*Forward*'
BenchmarkSwitcher.FromAssembly(typeof(Archive.Benchmarks.ForwardBenchmarks).Assembly).Run(args);
