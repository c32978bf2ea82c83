using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;

namespace MlopsGateway.Benchmarks;

/// <summary>The one configuration every benchmark here runs with: allocations reported, GitHub markdown written.</summary>
public static class BenchmarkConfig
{
    /// <summary>The default job, plus the memory diagnoser (allocations per operation matter on hot paths).</summary>
    public static IConfig Create() => DefaultConfig.Instance
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddExporter(MarkdownExporter.GitHub)
        .WithOptions(ConfigOptions.JoinSummary);
}
