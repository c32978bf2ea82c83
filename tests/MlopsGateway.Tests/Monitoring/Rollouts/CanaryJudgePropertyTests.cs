using FsCheck;
using FsCheck.Fluent;
using MlopsGateway.Monitoring.Rollouts;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Tests.Monitoring.Rollouts;

/// <summary>What must hold for any counts: the judge's verdicts are consistent with the evidence.</summary>
public sealed class CanaryJudgePropertyTests
{
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static readonly DateTimeOffset s_from = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    /// <summary>Telemetry with up to a few thousand calls, errors of two kinds and latencies over a handful of neighbouring buckets.</summary>
    private static Gen<VersionTelemetry> Telemetry() =>
        from ok in Gen.Choose(0, 3000)
        from unavailable in Gen.Choose(0, 200)
        from internalErrors in Gen.Choose(0, 50)
        from first in Gen.Choose(0, VersionTelemetry.LatencyEntries - 5)
        from weights in Gen.ArrayOf(Gen.Choose(0, 10), 5)
        from shadow in Gen.Choose(0, 3000)
        from differingShare in Gen.Choose(0, 100)
        select Make(ok, unavailable, internalErrors, first, weights, shadow, shadow * differingShare / 100);

    private static VersionTelemetry Make(int ok, int unavailable, int internalErrors, int first, int[] weights, long shadow, long differing)
    {
        var latency = new long[VersionTelemetry.LatencyEntries];
        var total = Math.Max(1, weights.Sum());
        long placed = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var count = i == weights.Length - 1 ? ok - placed : (long)ok * weights[i] / total;
            latency[first + i] = count;
            placed += count;
        }
        return new VersionTelemetry("m", "v", s_from, s_from.AddMinutes(1), ok,
            new Dictionary<string, long> { ["UNAVAILABLE"] = unavailable, ["INTERNAL"] = internalErrors }, latency, shadow, differing);
    }

    private static Gen<RolloutCriteria> Criteria() =>
        from increase in Gen.Elements(0.0, 0.5, 2.0)
        from ratio in Gen.Elements(1.0, 1.2, 2.0)
        from minRequests in Gen.Elements(0L, 100L, 500L)
        select new RolloutCriteria(increase, ratio, MaxDisagreement: null, MinRequests: minRequests);

    [Fact]
    public void IdenticalStableAndCanary_NeverFail()
    {
        Prop.ForAll(Arb.From(Telemetry()), Arb.From(Criteria()), (telemetry, criteria) =>
            CanaryJudge.Judge(criteria, telemetry, telemetry with { Version = "canary" }, null, null).All(v => v.Verdict != Verdict.Fail))
            .Check(s_config);
    }

    [Fact]
    public void FewerCallsThanMinRequests_NeverPass()
    {
        Prop.ForAll(Arb.From(Telemetry()), Arb.From(Telemetry()), (stable, canary) =>
        {
            var criteria = new RolloutCriteria(MinRequests: Math.Min(stable.Requests, canary.Requests) + 1);
            return CanaryJudge.Judge(criteria, stable, canary, null, null)
                .Where(v => v.Criterion is CanaryJudge.ErrorRate or CanaryJudge.Latency)
                .All(v => v.Verdict == Verdict.Inconclusive);
        }).Check(s_config);
    }

    [Fact]
    public void MoreCanaryErrors_NeverTurnAFailIntoAPass()
    {
        var cases = from stable in Telemetry() from canary in Telemetry() from swap in Gen.Choose(1, 500) select (stable, canary, swap);
        Prop.ForAll(Arb.From(cases), Arb.From(Criteria()), (c, criteria) =>
        {
            var (stable, canary, swap) = c;
            // Answered calls become failures: the same number of calls, more of them failed.
            var moved = Math.Min(swap, canary.Ok);
            var worse = canary with
            {
                Ok = canary.Ok - moved,
                Errors = new Dictionary<string, long>(canary.Errors) { ["UNAVAILABLE"] = canary.Errors["UNAVAILABLE"] + moved },
            };
            var before = ErrorVerdict(criteria, stable, canary);
            var after = ErrorVerdict(criteria, stable, worse);
            return before != Verdict.Fail || after == Verdict.Fail;
        }).Check(s_config);
    }

    [Fact]
    public void MoreDifferingRows_NeverTurnAFailIntoAPass()
    {
        Prop.ForAll(Arb.From(Telemetry()), Arb.From(Gen.Choose(1, 500)), (canary, more) =>
        {
            var criteria = new RolloutCriteria(MaxErrorRateIncrease: null, MaxLatencyRatio: null, MaxDisagreement: 2);
            var worse = canary with { ShadowRowsDiffering = Math.Min(canary.ShadowRows, canary.ShadowRowsDiffering + more) };
            var before = CanaryJudge.Judge(criteria, canary, canary, null, null)[0].Verdict;
            var after = CanaryJudge.Judge(criteria, canary, worse, null, null)[0].Verdict;
            return (before != Verdict.Fail || after == Verdict.Fail) && (after != Verdict.Pass || before == Verdict.Pass);
        }).Check(s_config);
    }

    private static Verdict ErrorVerdict(RolloutCriteria criteria, VersionTelemetry stable, VersionTelemetry canary) =>
        CanaryJudge.Judge(criteria with { MaxLatencyRatio = null }, stable, canary, null, null).Single().Verdict;
}
