namespace MlopsGateway.LoadTest;

/// <summary>A live view of the running level, reported every sample interval.</summary>
/// <param name="Level">Index of the level.</param>
/// <param name="Label">The level's short name, e.g. <c>c=16</c>.</param>
/// <param name="Warmup">Whether the level is still warming up.</param>
/// <param name="Elapsed">Time since this phase (warm-up or measurement) started.</param>
/// <param name="PhaseDuration">How long this phase is planned to last.</param>
/// <param name="Requests">Requests answered in this phase so far, failed ones included.</param>
/// <param name="Errors">Requests that failed in this phase so far.</param>
/// <param name="Throughput">Successful answers per second over the last interval.</param>
/// <param name="P99Milliseconds">99th percentile latency over the last interval; 0 when nothing succeeded.</param>
/// <param name="Final">Whether this is the phase's last report: its requests have all been answered.</param>
public readonly record struct LoadProgress(
    int Level, string Label, bool Warmup, TimeSpan Elapsed, TimeSpan PhaseDuration,
    long Requests, long Errors, double Throughput, double P99Milliseconds, bool Final = false);
