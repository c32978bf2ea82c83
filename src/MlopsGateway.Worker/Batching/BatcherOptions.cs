namespace MlopsGateway.Worker.Batching;

/// <summary>How one model version's requests are queued and merged into ONNX Runtime runs.</summary>
internal sealed record BatcherOptions
{
    /// <summary>Whether requests may be merged; off for models whose first dimension is not a batch dimension.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Most rows in one run. A single request with more rows runs alone.</summary>
    public int MaxBatchSize { get; init; } = 32;

    /// <summary>
    /// Longest the oldest queued request waits for others to join its batch. Zero adds no
    /// latency: batches then form only from requests that queued while a run was busy.
    /// </summary>
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Batch sizes (in rows) that run as soon as they can be formed, without waiting for the delay.</summary>
    public IReadOnlyList<int> PreferredBatchSizes { get; init; } = [];

    /// <summary>Most requests waiting; past it a request is refused at once rather than queued.</summary>
    public int MaxQueueSize { get; init; } = 1024;

    /// <summary>Runs of this model version that may execute at the same time.</summary>
    public int Instances { get; init; } = 1;
}
