namespace MlopsGateway.Gateway;

// Call telemetry settings: per-version counts flushed to Redis for rollouts and the console.
public sealed partial class GatewayOptions
{
    /// <summary>
    /// How often the per-version call counts (status, latency buckets, shadow rows) are added to
    /// Redis, where rollouts judge them and the console charts them; also once more on a clean stop.
    /// Counts Redis did not take are kept and added by the next flush (<see cref="TelemetryMaxPendingBuckets"/>).
    /// </summary>
    public TimeSpan TelemetryFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Version-buckets (one version's counts over one 10-second bucket) kept while Redis is away;
    /// beyond it the oldest are dropped and logged. The default holds an hour of 12 versions.
    /// </summary>
    public int TelemetryMaxPendingBuckets { get; set; } = 4320;
}
