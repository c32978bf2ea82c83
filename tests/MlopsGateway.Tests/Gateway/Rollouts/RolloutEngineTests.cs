using MlopsGateway.Gateway.Rollouts;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Tests.Registry.Rollouts;

namespace MlopsGateway.Tests.Gateway.Rollouts;

/// <summary>The rollout state machine: records, verdicts and times in, the next record and decision out.</summary>
public class RolloutEngineTests
{
    private static readonly DateTimeOffset s_now = RolloutRecords.Start.AddSeconds(3);

    private static CriterionVerdict V(string criterion, Verdict verdict) =>
        new(criterion, 0, 1, 0, 0, 1000, 1000, "test", 0.5, verdict, $"{criterion} was {verdict}.");

    private static RolloutRecord Begun(TimeSpan shadow = default, bool confirm = false) => RolloutEngine.Begin(RolloutRecords.New(shadow: shadow, confirm: confirm), s_now);

    [Fact]
    public void Begin_NoShadow_FirstStepAndTheFirstWindowStartsAtTheNextBucket()
    {
        var begun = Begun();

        Assert.Equal(RolloutPhases.Canary, begun.Phase);
        Assert.Equal(5, begun.Weight);
        Assert.Equal(RolloutRecords.Start.AddSeconds(20), begun.NextAt);
        Assert.Equal(RolloutWork.None, RolloutEngine.Next(begun, begun.NextAt.AddSeconds(4), TimeSpan.FromSeconds(5)));
        Assert.Equal(RolloutWork.Judge, RolloutEngine.Next(begun, begun.NextAt.AddSeconds(5), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Decide_OneCriterionFailsThresholdWindowsInARow_RolledBackWithItsReason()
    {
        var rollout = Begun();
        var from = rollout.NextAt - rollout.Interval;

        var (held, first) = RolloutEngine.Decide(rollout, [V("error_rate", Verdict.Fail), V("latency", Verdict.Pass)], from, rollout.NextAt, s_now);
        var (rolledBack, second) = RolloutEngine.Decide(held, [V("error_rate", Verdict.Fail), V("latency", Verdict.Pass)], held.NextAt - held.Interval, held.NextAt, s_now);

        Assert.Equal(RolloutDecisions.Hold, first);
        Assert.Equal(1, held.Failures["error_rate"]);
        Assert.Contains("(1 of 2 failures in a row before a rollback)", held.Reason);
        Assert.Equal(rollout.NextAt + rollout.Interval, held.NextAt);
        Assert.Equal(RolloutDecisions.Rollback, second);
        Assert.Equal(RolloutPhases.RolledBack, rolledBack.Phase);
        Assert.False(rolledBack.Settled);
        Assert.StartsWith("Rolled back at step 1 (5%): error_rate failed 2 interval(s) in a row. error_rate was Fail.", rolledBack.Reason);
        Assert.Equal([RolloutDecisions.Hold, RolloutDecisions.Rollback], rolledBack.History.Select(h => h.Decision));
    }

    [Fact]
    public void Decide_FailThenPassThenFail_ThePassResetsTheCountSoNoRollback()
    {
        var rollout = Begun();
        foreach (var verdict in new[] { Verdict.Fail, Verdict.Inconclusive, Verdict.Pass, Verdict.Fail })
        {
            rollout = RolloutEngine.Decide(rollout, [V("error_rate", verdict), V("latency", Verdict.Inconclusive)], rollout.NextAt - rollout.Interval, rollout.NextAt, s_now).Next;
        }

        Assert.Equal(RolloutPhases.Canary, rollout.Phase);
        Assert.Equal(1, rollout.Failures["error_rate"]);
    }

    [Fact]
    public void Decide_InconclusiveFailsTheThresholdEveryWindow_HoldsAtTheSameWeightForever()
    {
        var rollout = Begun();
        for (var i = 0; i < 10; i++)
        {
            rollout = RolloutEngine.Decide(rollout, [V("error_rate", Verdict.Pass), V("latency", Verdict.Inconclusive)], rollout.NextAt - rollout.Interval, rollout.NextAt, s_now).Next;
        }

        Assert.Equal((RolloutPhases.Canary, 0, 5.0), (rollout.Phase, rollout.Step, rollout.Weight));
        Assert.StartsWith("Holding at step 1 (5%): latency was Inconclusive.", rollout.Reason);
    }

    [Fact]
    public void Decide_EveryStepPasses_AdvancesThenPromotesBeforeTheStepOf100()
    {
        var rollout = Begun();
        var decisions = new List<string>();
        while (!rollout.IsFinished)
        {
            (rollout, var decision) = RolloutEngine.Decide(rollout, [V("error_rate", Verdict.Pass)], rollout.NextAt - rollout.Interval, rollout.NextAt, s_now);
            decisions.Add(decision);
        }

        Assert.Equal([RolloutDecisions.Advance, RolloutDecisions.Advance, RolloutDecisions.Promote], decisions);
        Assert.Equal(RolloutPhases.Promoted, rollout.Phase);
        Assert.Equal([5.0, 25, 50], rollout.History.Select(h => h.Weight));
    }

    [Fact]
    public void Decide_ConfirmWanted_WaitsForTheConfirmationThenPromotes()
    {
        var rollout = Begun(confirm: true) with { Step = 2 };

        var (waiting, decision) = RolloutEngine.Decide(rollout, [V("latency", Verdict.Pass)], rollout.NextAt - rollout.Interval, rollout.NextAt, s_now);

        Assert.Equal(RolloutDecisions.AwaitConfirm, decision);
        Assert.Equal(RolloutPhases.AwaitingConfirm, waiting.Phase);
        Assert.Equal(50, waiting.Weight);
        Assert.Equal(RolloutWork.None, RolloutEngine.Next(waiting, s_now.AddHours(1), TimeSpan.Zero));
        Assert.Equal(RolloutWork.Promote, RolloutEngine.Next(waiting with { Confirmed = true }, s_now, TimeSpan.Zero));
    }

    [Fact]
    public void Decide_ShadowPhasePassesBeforeItsDuration_HoldsThenGoesToTheFirstStep()
    {
        var rollout = Begun(shadow: TimeSpan.FromSeconds(25));
        Assert.Equal(RolloutPhases.Shadow, rollout.Phase);
        var criteria = RolloutEngine.CriteriaOf(rollout);
        Assert.Equal((null, null, 2.0), (criteria.MaxErrorRateIncrease, criteria.MaxLatencyRatio, criteria.MaxDisagreement));

        var (held, first) = RolloutEngine.Decide(rollout, [V("disagreement", Verdict.Pass)], rollout.NextAt - rollout.Interval, rollout.NextAt, s_now);
        var (stepped, second) = RolloutEngine.Decide(held, [V("disagreement", Verdict.Pass)], held.NextAt - held.Interval, held.NextAt, s_now.AddSeconds(30));

        Assert.Equal(RolloutDecisions.Hold, first);
        Assert.Equal(RolloutDecisions.Advance, second);
        Assert.Equal((RolloutPhases.Canary, 0), (stepped.Phase, stepped.Step));
        Assert.Equal(RolloutEngine.AlignUp(s_now.AddSeconds(30)) + stepped.Interval, stepped.NextAt);
    }

    [Fact]
    public void Next_Paused_NothingEvenWhenAWindowIsDue()
    {
        var paused = Begun() with { Paused = true };

        Assert.Equal(RolloutWork.None, RolloutEngine.Next(paused, paused.NextAt.AddHours(1), TimeSpan.Zero));
    }

    [Fact]
    public void DesiredRoute_EachPhase_TheRouteItNeeds()
    {
        var current = new RouteRecord("m", "1", Shadow: "9", ShadowPercent: 3);
        var shadow = Begun(shadow: TimeSpan.FromMinutes(1));
        var canary = Begun() with { Step = 1 };

        Assert.Equal("stable 1; shadow 2 at 100%", RolloutEngine.DesiredRoute(shadow, current)!.Describe());
        Assert.Equal("stable 1; canary 2 at 25%; shadow 2 at 10%", RolloutEngine.DesiredRoute(canary, current)!.Describe());
        Assert.Equal("stable 1; canary 2 at 25%; shadow 9 at 3%", RolloutEngine.DesiredRoute(canary with { ShadowSample = 0 }, current)!.Describe());
        var during = RolloutEngine.DesiredRoute(canary, current)!;
        Assert.Null(RolloutEngine.DesiredRoute(canary, during));
        Assert.Equal("stable 1", RolloutEngine.DesiredRoute(canary with { Phase = RolloutPhases.RolledBack }, during)!.Describe());
        Assert.Equal("stable 2", RolloutEngine.DesiredRoute(canary with { Phase = RolloutPhases.Promoted }, during)!.Describe());
        Assert.Null(RolloutEngine.DesiredRoute(canary with { DryRun = true }, current));
    }
}
