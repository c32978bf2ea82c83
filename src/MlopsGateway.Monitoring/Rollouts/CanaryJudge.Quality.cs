using MathNet.Numerics.Distributions;
using MlopsGateway.Monitoring.Accuracy;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry.Rollouts;

namespace MlopsGateway.Monitoring.Rollouts;

public static partial class CanaryJudge
{
    /// <summary>
    /// The canary's highest primary drift score (the test that judges each feature's state) against
    /// the limit, over features with rows enough to be scored; inconclusive without such a report.
    /// </summary>
    private static CriterionVerdict JudgeDrift(double maxDrift, MonitorReport? stableQuality, MonitorReport? canaryQuality)
    {
        var stableTop = Highest(stableQuality);
        if (canaryQuality is null || canaryQuality.DriftState == DriftStates.Insufficient || Highest(canaryQuality) is not { } top)
        {
            var why = canaryQuality is null
                ? "monitoring has no report for the canary (it needs the version's baseline: mlops baseline)"
                : $"monitoring counted {canaryQuality.Rows} rows of the canary in its drift window, too few to score";
            return new CriterionVerdict(Drift, double.NaN, maxDrift, stableTop?.Score ?? double.NaN, double.NaN, stableQuality?.Rows ?? 0,
                canaryQuality?.Rows ?? 0, "highest primary drift score (none)", double.NaN, Verdict.Inconclusive, $"Drift: {why}; the step holds.");
        }
        var test = $"highest primary drift score: {top.Method} on {top.Feature}";
        var seen = $"{top.Feature}'s {top.Method} score is {F(top.Score, "0.####")} over {top.Rows} rows";
        var verdict = top.Score > maxDrift ? Verdict.Fail : Verdict.Pass;
        var reason = verdict == Verdict.Fail
            ? $"Drift: {seen}, above the {F(maxDrift, "0.####")} allowed: what the canary sees (or predicts) moved from its baseline; check {top.Feature} before promoting."
            : $"Drift: {seen}, the highest of the canary's features, within the {F(maxDrift, "0.####")} allowed.";
        return new CriterionVerdict(Drift, top.Score, maxDrift, stableTop?.Score ?? double.NaN, top.Score, stableQuality?.Rows ?? 0,
            canaryQuality.Rows, test, double.NaN, verdict, reason);
    }

    private static DriftRow? Highest(MonitorReport? report) =>
        report?.Features.Where(f => f.Primary && f.State != DriftStates.Insufficient && double.IsFinite(f.Score)).MaxBy(f => f.Score);

    /// <summary>
    /// The canary's accuracy minus stable's, with Newcombe's interval for a difference built from both
    /// sides' Wilson intervals at the confidence: fails when even its upper bound is under the limit,
    /// passes when its lower bound is at or over it, and otherwise waits for more labels.
    /// </summary>
    private static CriterionVerdict JudgeAccuracy(RolloutCriteria criteria, double minDelta, MonitorReport? stableQuality, MonitorReport? canaryQuality)
    {
        var stable = AccuracyOf(stableQuality);
        var canary = AccuracyOf(canaryQuality);
        if (stable is null || canary is null)
        {
            var side = canary is null ? "the canary" : "stable";
            return new CriterionVerdict(Accuracy, double.NaN, minDelta, stable?.Value ?? double.NaN, canary?.Value ?? double.NaN,
                stableQuality?.Labels ?? 0, canaryQuality?.Labels ?? 0, "Newcombe interval (not run)", double.NaN, Verdict.Inconclusive,
                $"Accuracy: no labels for {side}'s predictions in monitoring's accuracy window; send them (mlops feedback send) or drop --min-accuracy-delta.");
        }
        var z = Normal.InvCDF(0, 1, 1 - ((1 - criteria.Confidence) / 2));
        long stableLabels = stableQuality!.Labels, canaryLabels = canaryQuality!.Labels;
        var (sl, su) = ConfidenceIntervals.Wilson((long)Math.Round(stable.Value * stableLabels), stableLabels, z);
        var (cl, cu) = ConfidenceIntervals.Wilson((long)Math.Round(canary.Value * canaryLabels), canaryLabels, z);
        var delta = canary.Value - stable.Value;
        var lower = delta - Math.Sqrt(Square(canary.Value - cl) + Square(su - stable.Value));
        var upper = delta + Math.Sqrt(Square(cu - canary.Value) + Square(stable.Value - sl));
        var test = $"Newcombe {F(criteria.Confidence * 100)}% interval {F(lower, "0.####")} to {F(upper, "0.####")}";
        var seen = $"the canary's accuracy {F(canary.Value, "0.####")} over {canaryLabels} labels, stable's {F(stable.Value, "0.####")} over {stableLabels}: {F(delta, "+0.####;-0.####;0")}";
        var (verdict, reason) = upper < minDelta
            ? (Verdict.Fail, $"Accuracy: {seen}, at most {F(upper, "+0.####;-0.####;0")}, below the {F(minDelta, "+0.####;-0.####;0")} allowed; the canary is less accurate on labelled traffic.")
            : lower >= minDelta
                ? (Verdict.Pass, $"Accuracy: {seen}, at least {F(lower, "+0.####;-0.####;0")}, within the {F(minDelta, "+0.####;-0.####;0")} allowed.")
                : (Verdict.Inconclusive, $"Accuracy: {seen}; the difference lies between {F(lower, "+0.####;-0.####;0")} and {F(upper, "+0.####;-0.####;0")}, either side of {F(minDelta, "+0.####;-0.####;0")}: more labels are needed to say.");
        return new CriterionVerdict(Accuracy, delta, minDelta, stable.Value, canary.Value, stableLabels, canaryLabels, test, double.NaN, verdict, reason);
    }

    private static AccuracyFigure? AccuracyOf(MonitorReport? report) =>
        report is { Labels: > 0 }
            ? report.Accuracy.FirstOrDefault(f => f.Metric == AccuracyMetric.AccuracyName && f.Value is >= 0 and <= 1)
            : null;

    private static double Square(double x) => x * x;
}
