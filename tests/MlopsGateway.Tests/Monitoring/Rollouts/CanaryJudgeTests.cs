using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Monitoring.Rollouts;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Registry.Telemetry;
using static MlopsGateway.Tests.Monitoring.Rollouts.JudgeInputs;

namespace MlopsGateway.Tests.Monitoring.Rollouts;

/// <summary>The judge on simulated calls with real statistics: the verdicts issue 24's rollouts act on.</summary>
public class CanaryJudgeTests
{
    private static readonly RolloutCriteria s_criteria = new();

    private static CriterionVerdict One(string criterion, VersionTelemetry stable, VersionTelemetry canary, RolloutCriteria? criteria = null,
        MonitorReport? stableQuality = null, MonitorReport? canaryQuality = null) =>
        Assert.Single(CanaryJudge.Judge(criteria ?? s_criteria, stable, canary, stableQuality, canaryQuality), v => v.Criterion == criterion);

    [Fact]
    public void ErrorRate_CanaryFailingOneInTen_Fails()
    {
        var verdict = One(CanaryJudge.ErrorRate, Calls("1", 600), Calls("2", 600, failEvery: 10));

        Assert.Equal(Verdict.Fail, verdict.Verdict);
        Assert.Equal(10, verdict.Value, 3);
        Assert.True(verdict.PValue < 1e-6, $"p={verdict.PValue}");
        Assert.Contains("60 of 600 calls (10%)", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("UNAVAILABLE ×60", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorRate_EqualRates_Pass()
    {
        var verdict = One(CanaryJudge.ErrorRate, Calls("1", 2000, failEvery: 50), Calls("2", 2000, failEvery: 50));

        Assert.Equal(Verdict.Pass, verdict.Verdict);
        Assert.Equal(0, verdict.Value, 6);
        Assert.True(verdict.PValue > 0.5, $"p={verdict.PValue}");
    }

    [Fact]
    public void ErrorRate_IncreaseWithinTheAllowance_PassesAndBeyondItFails()
    {
        // 1% more errors on 20,000 calls each: clearly more, but within 2 points and beyond 0.2.
        var stable = Calls("1", 20_000, failEvery: 100);
        var canary = Calls("2", 20_000, failEvery: 50);

        Assert.Equal(Verdict.Pass, One(CanaryJudge.ErrorRate, stable, canary, s_criteria with { MaxErrorRateIncrease = 2 }).Verdict);
        Assert.Equal(Verdict.Fail, One(CanaryJudge.ErrorRate, stable, canary, s_criteria with { MaxErrorRateIncrease = 0.2 }).Verdict);
    }

    [Fact]
    public void Latency_ThreeTimesSlower_Fails()
    {
        var verdict = One(CanaryJudge.Latency, Calls("1", 1000, medianSeconds: 0.002), Calls("2", 1000, medianSeconds: 0.006, seed: 2));

        Assert.Equal(Verdict.Fail, verdict.Verdict);
        Assert.InRange(verdict.Value, 2.4, 3.6);
        Assert.True(verdict.PValue < 1e-6, $"p={verdict.PValue}");
        Assert.Contains("slower", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Latency_SameDistribution_Passes()
    {
        var verdict = One(CanaryJudge.Latency, Calls("1", 1000, medianSeconds: 0.002), Calls("2", 1000, medianSeconds: 0.002, seed: 2));

        Assert.Equal(Verdict.Pass, verdict.Verdict);
        Assert.InRange(verdict.Value, 0.8, 1.25);
        Assert.True(verdict.PValue > 0.02, $"p={verdict.PValue}");
    }

    [Fact]
    public void Latency_SignificantlySlowerButP99WithinTheRatio_Passes()
    {
        // 10% slower at the median over 20,000 calls each: the U test sees it; the p99 ratio stays under 1.2.
        var verdict = One(CanaryJudge.Latency, Calls("1", 20_000, medianSeconds: 0.002), Calls("2", 20_000, medianSeconds: 0.0022, seed: 2));

        Assert.Equal(Verdict.Pass, verdict.Verdict);
        Assert.True(verdict.PValue < 0.02, $"p={verdict.PValue}");
        Assert.True(verdict.Value <= 1.2, $"ratio {verdict.Value}");
    }

    [Fact]
    public void TooFewCalls_EitherSide_InconclusiveNeverPass()
    {
        var verdicts = CanaryJudge.Judge(s_criteria, Calls("1", 5000), Calls("2", 499, failEvery: 2, medianSeconds: 0.05), null, null);

        var errors = Assert.Single(verdicts, v => v.Criterion == CanaryJudge.ErrorRate);
        var latency = Assert.Single(verdicts, v => v.Criterion == CanaryJudge.Latency);
        Assert.Equal(Verdict.Inconclusive, errors.Verdict);
        Assert.Equal(Verdict.Inconclusive, latency.Verdict);
        Assert.Contains("the canary had 499 calls", errors.Reason, StringComparison.Ordinal);
        Assert.Contains("500 needed", errors.Reason, StringComparison.Ordinal);
        Assert.True(double.IsNaN(errors.PValue));
        var empty = CanaryJudge.Judge(s_criteria, Calls("1", 0), Calls("2", 0), null, null);
        Assert.All(empty, v => Assert.Equal(Verdict.Inconclusive, v.Verdict));
    }

    [Theory]
    [InlineData(1000, 100, Verdict.Fail)] // 10%: the interval's lower bound is far above 2%
    [InlineData(2000, 10, Verdict.Pass)] // 0.5%: its upper bound (≈1.1%) is under 2%
    [InlineData(100, 2, Verdict.Inconclusive)] // 2% of 100 rows: anywhere from ≈0.3% to ≈10%
    [InlineData(0, 0, Verdict.Inconclusive)] // nothing compared
    public void Disagreement_WilsonInterval_DecidesOnlyWhenItClearsTheLimit(long rows, long differing, Verdict expected)
    {
        var verdict = One(CanaryJudge.Disagreement, Calls("1", 600), Calls("2", 600, shadowRows: rows, differing: differing));

        Assert.Equal(expected, verdict.Verdict);
        Assert.Equal(rows, verdict.CanarySamples);
        Assert.StartsWith("Disagreement: ", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsetCriteria_AreNotJudged()
    {
        var criteria = new RolloutCriteria(MaxErrorRateIncrease: null, MaxLatencyRatio: 1.2, MaxDisagreement: null);

        var verdicts = CanaryJudge.Judge(criteria, Calls("1", 600), Calls("2", 600), null, null);

        Assert.Equal([CanaryJudge.Latency], verdicts.Select(v => v.Criterion));
    }

    [Fact]
    public void Drift_HighestPrimaryScore_AgainstTheLimit_InconclusiveWithTooFewRows()
    {
        var criteria = s_criteria with { MaxDrift = 0.2 };
        static MonitorReport Report(string state, params DriftRow[] rows) =>
            new("m", "2", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), state, 800, rows, [], 0, 0, null);
        var drifted = Report(DriftStates.Drift, new DriftRow("age", "ks", 0.35, 0.1, 800, DriftStates.Drift),
            new DriftRow("age", "psi", 0.9, 0.2, 800, DriftStates.Drift, Primary: false), new DriftRow("income", "ks", 0.05, 0.1, 800, DriftStates.Ok));
        var calm = Report(DriftStates.Ok, new DriftRow("age", "ks", 0.05, 0.1, 800, DriftStates.Ok));

        var fail = One(CanaryJudge.Drift, Calls("1", 600), Calls("2", 600), criteria, canaryQuality: drifted);
        var pass = One(CanaryJudge.Drift, Calls("1", 600), Calls("2", 600), criteria, canaryQuality: calm);
        var few = One(CanaryJudge.Drift, Calls("1", 600), Calls("2", 600), criteria, canaryQuality: Report(DriftStates.Insufficient));
        var none = One(CanaryJudge.Drift, Calls("1", 600), Calls("2", 600), criteria);

        Assert.Equal((Verdict.Fail, 0.35), (fail.Verdict, fail.Value));
        Assert.Contains("age's ks score is 0.35", fail.Reason, StringComparison.Ordinal);
        Assert.Equal(Verdict.Pass, pass.Verdict);
        Assert.Equal(Verdict.Inconclusive, few.Verdict);
        Assert.Equal(Verdict.Inconclusive, none.Verdict);
    }

    [Theory]
    [InlineData(0.90, 4000, 0.80, 4000, Verdict.Fail)] // ten points worse on thousands of labels
    [InlineData(0.90, 20000, 0.90, 20000, Verdict.Pass)] // equal, the interval narrower than a point
    [InlineData(0.90, 50, 0.88, 50, Verdict.Inconclusive)] // fifty labels cannot tell
    [InlineData(0.90, 0, 0.90, 0, Verdict.Inconclusive)] // no labels
    public void Accuracy_NewcombeInterval_AgainstTheDelta(double stable, long stableLabels, double canary, long canaryLabels, Verdict expected)
    {
        var criteria = s_criteria with { MinAccuracyDelta = -0.01 };
        static MonitorReport Report(string version, double accuracy, long labels) =>
            new("m", version, DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), DriftStates.Ok, 0, [],
                labels > 0 ? [new AccuracyFigure("accuracy", accuracy, accuracy - 0.01, accuracy + 0.01)] : [], labels, labels, null);

        var verdict = One(CanaryJudge.Accuracy, Calls("1", 600), Calls("2", 600), criteria, Report("1", stable, stableLabels), Report("2", canary, canaryLabels));

        Assert.Equal(expected, verdict.Verdict);
        Assert.StartsWith("Accuracy: ", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Confidence_OutOfRange_Refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CanaryJudge.Judge(s_criteria with { Confidence = 1.5 }, Calls("1", 1), Calls("2", 1), null, null));
}
