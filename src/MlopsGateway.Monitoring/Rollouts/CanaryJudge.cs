using System.Globalization;
using MathNet.Numerics.Distributions;
using MlopsGateway.Monitoring.Accuracy;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Monitoring.Rollouts;

/// <summary>
/// Judges a canary against stable over the same span (DI-free): error rates with a two-proportion
/// test, latency with a Mann-Whitney U test and an effect size, disagreement as a share with its
/// interval, drift and accuracy from monitoring's reports. Too few samples is inconclusive, never a
/// pass: a step holds rather than promote on no evidence.
/// </summary>
public static partial class CanaryJudge
{
    /// <summary>The error-rate criterion's name.</summary>
    public const string ErrorRate = "error_rate";

    /// <summary>The latency criterion's name.</summary>
    public const string Latency = "latency";

    /// <summary>The disagreement criterion's name.</summary>
    public const string Disagreement = "disagreement";

    /// <summary>The drift criterion's name.</summary>
    public const string Drift = "drift";

    /// <summary>The accuracy criterion's name.</summary>
    public const string Accuracy = "accuracy";

    /// <summary>
    /// Below this probability of superiority (Vargha-Delaney A) a latency difference is negligible
    /// (Vargha and Delaney's 2000 threshold for a small effect): with thousands of calls the U test
    /// finds a microsecond significant, and a rollout must not stop on it.
    /// </summary>
    public const double NegligibleSuperiority = 0.56;

    /// <summary>Every criterion of <paramref name="criteria"/> that is set, judged; reports may be null when monitoring has none.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The confidence is not between 0.5 and 1, or a limit is NaN.</exception>
    public static IReadOnlyList<CriterionVerdict> Judge(
        RolloutCriteria criteria,
        VersionTelemetry stable,
        VersionTelemetry canary,
        MonitorReport? stableQuality,
        MonitorReport? canaryQuality)
    {
        ArgumentNullException.ThrowIfNull(criteria);
        ArgumentNullException.ThrowIfNull(stable);
        ArgumentNullException.ThrowIfNull(canary);
        if (!(criteria.Confidence > 0.5 && criteria.Confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(criteria), criteria.Confidence, "The confidence must be between 0.5 and 1 (0.98 is Kayenta's).");
        }
        if (new[] { criteria.MaxErrorRateIncrease, criteria.MaxLatencyRatio, criteria.MaxDisagreement, criteria.MaxDrift, criteria.MinAccuracyDelta }.Any(l => l is double.NaN))
        {
            throw new ArgumentOutOfRangeException(nameof(criteria), "A limit is NaN; leave a criterion out (null) to not judge it.");
        }
        var verdicts = new List<CriterionVerdict>(5);
        if (criteria.MaxErrorRateIncrease is { } increase)
        {
            verdicts.Add(JudgeErrorRate(criteria, increase, stable, canary));
        }
        if (criteria.MaxLatencyRatio is { } ratio)
        {
            verdicts.Add(JudgeLatency(criteria, ratio, stable, canary));
        }
        if (criteria.MaxDisagreement is { } disagreement)
        {
            verdicts.Add(JudgeDisagreement(criteria, disagreement, canary));
        }
        if (criteria.MaxDrift is { } drift)
        {
            verdicts.Add(JudgeDrift(drift, stableQuality, canaryQuality));
        }
        if (criteria.MinAccuracyDelta is { } delta)
        {
            verdicts.Add(JudgeAccuracy(criteria, delta, stableQuality, canaryQuality));
        }
        return verdicts;
    }

    /// <summary>
    /// H0: the canary's error rate is at most stable's plus the allowed points; rejected (fail) when the
    /// one-sided z test's p-value is under 1 − confidence. The rates are Agresti-Caffo's (one failure
    /// and one success added to each side), so the standard error never vanishes at 0% or 100%.
    /// </summary>
    private static CriterionVerdict JudgeErrorRate(RolloutCriteria criteria, double increase, VersionTelemetry stable, VersionTelemetry canary)
    {
        long stableCalls = stable.Requests, canaryCalls = canary.Requests;
        long stableFailed = stable.Failed, canaryFailed = canary.Failed;
        double stableRate = Percent(stableFailed, stableCalls), canaryRate = Percent(canaryFailed, canaryCalls);
        var value = canaryRate - stableRate;
        if (TooFew(criteria, stableCalls, canaryCalls, "calls") is { } few)
        {
            return new CriterionVerdict(ErrorRate, value, increase, stableRate, canaryRate, stableCalls, canaryCalls,
                "two-proportion z, one-sided (not run)", double.NaN, Verdict.Inconclusive, few);
        }
        double ps = (stableFailed + 1.0) / (stableCalls + 2.0), pc = (canaryFailed + 1.0) / (canaryCalls + 2.0);
        var standardError = Math.Sqrt((ps * (1 - ps) / (stableCalls + 2.0)) + (pc * (1 - pc) / (canaryCalls + 2.0)));
        var z = (pc - ps - (increase / 100)) / standardError;
        var p = 1 - Normal.CDF(0, 1, z);
        var test = $"two-proportion z (Agresti-Caffo), one-sided, z={F(z, "0.00")}, p={P(p)}";
        var rates = $"the canary failed {canaryFailed} of {canaryCalls} calls ({F(canaryRate)}%), stable {stableFailed} of {stableCalls} ({F(stableRate)}%)";
        if (p < 1 - criteria.Confidence)
        {
            var top = canary.Errors.Where(e => e.Value > 0).OrderByDescending(e => e.Value).Select(e => $"{e.Key} ×{e.Value}").FirstOrDefault();
            return new CriterionVerdict(ErrorRate, value, increase, stableRate, canaryRate, stableCalls, canaryCalls, test, p, Verdict.Fail,
                $"Error rate: {rates}, {F(value)} points more than stable where {F(increase)} are allowed, at {F(criteria.Confidence * 100)}% confidence; "
                + $"most of its failures are {top}: read the canary workers' logs for them.");
        }
        return new CriterionVerdict(ErrorRate, value, increase, stableRate, canaryRate, stableCalls, canaryCalls, test, p, Verdict.Pass,
            $"Error rate: {rates}; not shown to be more than {F(increase)} points above stable's.");
    }

    /// <summary>
    /// Fails only when all three hold: the U test says the canary is slower at the confidence, the
    /// effect is not negligible (A ≥ <see cref="NegligibleSuperiority"/>), and its p99 over stable's
    /// exceeds the ratio allowed. Samples are answered calls: a failed call has no latency of the version.
    /// </summary>
    private static CriterionVerdict JudgeLatency(RolloutCriteria criteria, double maxRatio, VersionTelemetry stable, VersionTelemetry canary)
    {
        long stableCalls = stable.Latency.Sum(), canaryCalls = canary.Latency.Sum();
        double stableP99 = LatencyHistogram.Quantile(stable.Latency, 0.99), canaryP99 = LatencyHistogram.Quantile(canary.Latency, 0.99);
        var ratio = canaryP99 / stableP99;
        if (TooFew(criteria, stableCalls, canaryCalls, "answered calls") is { } few)
        {
            return new CriterionVerdict(Latency, ratio, maxRatio, stableP99, canaryP99, stableCalls, canaryCalls,
                "Mann-Whitney U, one-sided (not run)", double.NaN, Verdict.Inconclusive, few);
        }
        var u = LatencyHistogram.MannWhitneyGreater(stable.Latency, canary.Latency);
        var test = $"Mann-Whitney U, one-sided, z={F(u.Z, "0.00")}, p={P(u.PValue)}, A={F(u.Superiority, "0.000")}";
        var p99s = $"p99 {Ms(canaryP99)} against stable's {Ms(stableP99)} (×{F(ratio, "0.00")}, at most ×{F(maxRatio, "0.00")} allowed)";
        var significant = u.PValue < 1 - criteria.Confidence;
        var notable = u.Superiority >= NegligibleSuperiority;
        if (significant && notable && ratio > maxRatio)
        {
            return new CriterionVerdict(Latency, ratio, maxRatio, stableP99, canaryP99, stableCalls, canaryCalls, test, u.PValue, Verdict.Fail,
                $"Latency: the canary is slower: {p99s}; a random canary call is slower than a random stable one {F(u.Superiority * 100, "0")}% of the time. "
                + "Compare the two versions' model sizes, batching and workers' load.");
        }
        var why = !significant ? "the canary is not shown to be slower"
            : !notable ? $"the difference is negligible (A={F(u.Superiority, "0.000")} under {F(NegligibleSuperiority, "0.00")})"
            : "its p99 is within the ratio allowed";
        return new CriterionVerdict(Latency, ratio, maxRatio, stableP99, canaryP99, stableCalls, canaryCalls, test, u.PValue, Verdict.Pass,
            $"Latency: {p99s}; {why}.");
    }

    /// <summary>
    /// The share of compared rows whose top class differed, with Wilson's interval at the confidence
    /// (two-sided): fails when even its lower bound is above the limit, passes when its upper bound is
    /// at or under it, and otherwise waits for more rows.
    /// </summary>
    private static CriterionVerdict JudgeDisagreement(RolloutCriteria criteria, double maxPercent, VersionTelemetry canary)
    {
        long rows = canary.ShadowRows, differing = canary.ShadowRowsDiffering;
        var share = Percent(differing, rows);
        if (rows == 0)
        {
            return new CriterionVerdict(Disagreement, share, maxPercent, double.NaN, share, 0, 0, "Wilson interval (not run)", double.NaN,
                Verdict.Inconclusive,
                "Disagreement: no rows of the canary were compared with stable's answers; send it shadow copies (the rollout's shadow phase, or the route's shadow) of a classifier.");
        }
        var z = Normal.InvCDF(0, 1, 1 - ((1 - criteria.Confidence) / 2));
        var (lower, upper) = ConfidenceIntervals.Wilson(differing, rows, z);
        (lower, upper) = (lower * 100, upper * 100);
        var test = $"Wilson {F(criteria.Confidence * 100)}% interval {F(lower)}% to {F(upper)}%";
        var seen = $"{differing} of {rows} compared rows ({F(share)}%) had a top class other than stable's";
        if (lower > maxPercent)
        {
            return new CriterionVerdict(Disagreement, share, maxPercent, double.NaN, share, 0, rows, test, double.NaN, Verdict.Fail,
                $"Disagreement: {seen}, at least {F(lower)}% where at most {F(maxPercent)}% is allowed; the canary answers differently: check it was trained on the same labels and inputs.");
        }
        if (upper <= maxPercent)
        {
            return new CriterionVerdict(Disagreement, share, maxPercent, double.NaN, share, 0, rows, test, double.NaN, Verdict.Pass,
                $"Disagreement: {seen}, at most {F(upper)}%, within the {F(maxPercent)}% allowed.");
        }
        return new CriterionVerdict(Disagreement, share, maxPercent, double.NaN, share, 0, rows, test, double.NaN, Verdict.Inconclusive,
            $"Disagreement: {seen}; the share lies between {F(lower)}% and {F(upper)}%, either side of the {F(maxPercent)}% allowed: more rows are needed to say.");
    }

    /// <summary>Why a side has too few samples to be judged, or null when both have enough.</summary>
    private static string? TooFew(RolloutCriteria criteria, long stable, long canary, string what)
    {
        if (stable >= criteria.MinRequests && canary >= criteria.MinRequests)
        {
            return null;
        }
        var (side, count) = canary < criteria.MinRequests ? ("the canary", canary) : ("stable", stable);
        return $"Too few samples: {side} had {count} {what} in the interval, {criteria.MinRequests} needed (--min-requests); the step holds until both sides have that much traffic.";
    }

    private static double Percent(long part, long whole) => whole > 0 ? part * 100.0 / whole : double.NaN;

    private static string F(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string P(double p) => p < 0.0001 ? "<0.0001" : F(p, "0.####");

    private static string Ms(double seconds) => F(seconds * 1000, seconds < 0.01 ? "0.###" : "0.#") + " ms";
}
