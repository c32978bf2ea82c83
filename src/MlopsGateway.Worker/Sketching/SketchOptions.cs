using MlopsGateway.Registry;

namespace MlopsGateway.Worker.Sketching;

/// <summary>Settings of the worker's drift sketches and baseline captures.</summary>
public sealed class SketchOptions
{
    /// <summary>How often the counts are written to Redis (and capture requests looked for). Also written once on a clean stop.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The Redis namespace the baselines, counts and captures live in.</summary>
    public string Namespace { get; set; } = RedisKeys.DefaultNamespace;

    /// <summary>
    /// While Redis is away, how many flushes' counts are kept to be written when it is back; beyond that
    /// the oldest are dropped (and counted in <c>mlops_worker_sketch_rows_dropped</c>).
    /// </summary>
    public int MaxPendingFlushes { get; set; } = 720;
}
