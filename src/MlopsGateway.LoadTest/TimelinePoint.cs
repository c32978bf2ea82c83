namespace MlopsGateway.LoadTest;

/// <summary>One sample interval of a run, for latency-over-time charts.</summary>
/// <param name="Seconds">End of the interval, in seconds since the run started.</param>
/// <param name="Level">Index of the level running.</param>
/// <param name="Warmup">Whether the interval belongs to the level's warm-up.</param>
/// <param name="Requests">Requests answered in the interval, failed ones included.</param>
/// <param name="Errors">Requests that failed in the interval.</param>
/// <param name="Throughput">Successful answers per second in the interval.</param>
/// <param name="P50Milliseconds">Median latency of the interval's successful answers (0 when none).</param>
/// <param name="P99Milliseconds">99th percentile of the same.</param>
/// <param name="MaxMilliseconds">Largest latency of the same.</param>
public sealed record TimelinePoint(
    double Seconds, int Level, bool Warmup, long Requests, long Errors, double Throughput,
    double P50Milliseconds, double P99Milliseconds, double MaxMilliseconds);
