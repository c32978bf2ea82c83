using BenchmarkDotNet.Running;
using MlopsGateway.Benchmarks;

// dotnet run -c Release --project perf/MlopsGateway.Benchmarks -- --filter '*'   (see perf/README.md)
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(args, BenchmarkConfig.Create());
