using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Monitoring.Rollouts;

/// <summary>
/// Judges a canary against stable over the same span (DI-free): error rates with a two-proportion
/// test, latency with a Mann-Whitney U test and an effect size, disagreement as a share with its
/// interval, drift and accuracy from monitoring's reports. Too few samples is inconclusive, never a
/// pass. Contract for issue 24; the body is being written.
/// </summary>
public static class CanaryJudge
{
    /// <summary>Every criterion of <paramref name="criteria"/> that is set, judged; reports may be null when monitoring has none.</summary>
    public static IReadOnlyList<CriterionVerdict> Judge(
        RolloutCriteria criteria,
        VersionTelemetry stable,
        VersionTelemetry canary,
        MonitorReport? stableQuality,
        MonitorReport? canaryQuality) => throw new NotImplementedException();
}
