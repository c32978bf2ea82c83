namespace MlopsGateway.Compare;

/// <summary>What one comparison run measures; every default fits a 2-core machine in a few minutes.</summary>
public sealed class ComparisonOptions
{
    /// <summary>The built <c>mlops.dll</c>.</summary>
    public required string Mlops { get; init; }

    /// <summary>The built naive server's dll.</summary>
    public required string NaiveServer { get; init; }

    /// <summary>ResNet18.onnx from the NuGet package (fixed batch of 1; made dynamic here).</summary>
    public required string ResNet18 { get; init; }

    /// <summary>Where results go: <c>compare-*.md</c>, <c>compare-*.json</c>, <c>latest.md</c>, and a work folder.</summary>
    public string Results { get; init; } = "perf/results";

    /// <summary>nginx binary; the nginx path is skipped with a note when it is missing.</summary>
    public string Nginx { get; init; } = "/usr/sbin/nginx";

    /// <summary>h2load binary, for the cross-check; skipped with a note when missing.</summary>
    public string H2load { get; init; } = "/usr/bin/h2load";

    /// <summary>Warm-up before each measurement.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Measurement per path and round.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Warm-up before each ResNet18 measurement: the load tool's start-up (JIT) falls in it.</summary>
    public TimeSpan ResNetWarmup { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>ResNet18 measurement per path and round (tens of images a second: longer runs for a steady figure).</summary>
    public TimeSpan ResNetDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Rounds over every path; the table reports medians.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Callers for the propensity model (sub-millisecond compute: the network path dominates).</summary>
    public int PropensityConcurrency { get; init; } = 64;

    /// <summary>Callers for ResNet18 (tens of milliseconds of compute on two cores).</summary>
    public int ResNetConcurrency { get; init; } = 16;

    /// <summary>Batch sizes tried in-process to find ResNet18's best.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 2, 4, 8, 16];

    /// <summary>Concurrent in-process callers tried with each batch size: the in-process best is the best pair.</summary>
    public IReadOnlyList<int> Callers { get; init; } = [1, 2, 4, 8, 16];

    /// <summary>Pairs with more images in flight (callers × batch) are not tried: past the machine's capacity they only cost time.</summary>
    public int MaxImagesInFlight { get; init; } = 64;

    /// <summary>Warm-up of each in-process (callers, batch) pair.</summary>
    public TimeSpan SweepWarmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Measurement of each in-process (callers, batch) pair.</summary>
    public TimeSpan SweepDuration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>GPU check: the execution provider, <c>cuda</c> or <c>cpu</c>; CUDA that cannot load fails the check rather than falling back.</summary>
    public string Provider { get; init; } = "cpu";

    /// <summary>GPU check: cuDNN's convolution algorithm search, in-process and in the worker alike.</summary>
    public string CudnnConvAlgoSearch { get; init; } = "HEURISTIC";

    /// <summary>GPU check: callers of the worker, batching on and off, at each level.</summary>
    public IReadOnlyList<int> WorkerCallers { get; init; } = [16, 64];

    /// <summary>GPU check: the worker's most rows in one run.</summary>
    public int WorkerMaxBatchSize { get; init; } = 64;

    /// <summary>GPU check: the worker's concurrent runs of the model (instances).</summary>
    public int WorkerInstances { get; init; } = 2;

    /// <summary>Requests in the h2load cross-check.</summary>
    public int CrossCheckRequests { get; init; } = 20_000;

    /// <summary>Requests per second from each tool in the same-load check on propensity.</summary>
    public double SameLoadPropensityRate { get; init; } = 200;

    /// <summary>Requests per second from each tool in the same-load check on ResNet18 (about a fifth of the worker's capacity together).</summary>
    public double SameLoadResNetRate { get; init; } = 4;

    /// <summary>Measurement of the same-load check, per model.</summary>
    public TimeSpan SameLoadDuration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The command line, recorded with the results.</summary>
    public string CommandLine { get; init; } = "";
}
