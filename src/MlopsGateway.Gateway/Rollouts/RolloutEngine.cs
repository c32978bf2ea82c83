using System.Globalization;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Rollouts;

namespace MlopsGateway.Gateway.Rollouts;

/// <summary>What the controller has to do for one rollout now.</summary>
internal enum RolloutWork
{
    /// <summary>Nothing: finished and settled, paused, waiting for confirmation, or the next window is not over yet.</summary>
    None,

    /// <summary>Set up the first phase (the rollout was just started).</summary>
    Begin,

    /// <summary>Judge the window ending at <see cref="RolloutRecord.NextAt"/>.</summary>
    Judge,

    /// <summary>Promote: every step passed and the promotion was confirmed.</summary>
    Promote,

    /// <summary>Make a finished rollout's route and alias changes.</summary>
    Settle,
}

/// <summary>
/// The rollout state machine, free of I/O and DI: given a record, the verdicts of its window and the
/// time, the next record and the decision. Windows are whole telemetry buckets, contiguous while a
/// step holds; a new step's first window starts at the first bucket after its weight changed, so no
/// window mixes two weights. A criterion's failures count in a row: a pass resets it, an
/// inconclusive interval (too few samples) leaves it, so too little traffic neither passes nor fails.
/// </summary>
internal static class RolloutEngine
{
    /// <summary>What to do with <paramref name="rollout"/> at <paramref name="now"/>; a window is judged <paramref name="settle"/> after it ends, once every gateway flushed it.</summary>
    public static RolloutWork Next(RolloutRecord rollout, DateTimeOffset now, TimeSpan settle) => rollout switch
    {
        { IsFinished: true, Settled: var settled } => settled ? RolloutWork.None : RolloutWork.Settle,
        { Paused: true } => RolloutWork.None,
        { Phase: RolloutPhases.Starting } => RolloutWork.Begin,
        { Phase: RolloutPhases.AwaitingConfirm } => rollout.Confirmed ? RolloutWork.Promote : RolloutWork.None,
        _ => now >= rollout.NextAt + settle ? RolloutWork.Judge : RolloutWork.None,
    };

    /// <summary>The start of the first telemetry bucket at or after <paramref name="at"/>.</summary>
    public static DateTimeOffset AlignUp(DateTimeOffset at) => RolloutChecks.AlignUp(at);

    /// <summary>The first phase set up at <paramref name="now"/>: the shadow phase when it has a duration, else the first step.</summary>
    public static RolloutRecord Begin(RolloutRecord rollout, DateTimeOffset now)
    {
        var next = rollout with { Step = 0, PhaseStartedAt = now, NextAt = AlignUp(now) + rollout.Interval };
        return rollout.ShadowDuration > TimeSpan.Zero
            ? next with { Phase = RolloutPhases.Shadow, Reason = $"Shadow phase: requests are copied to version {rollout.Canary} for at least {Text(rollout.ShadowDuration)}; no caller sees its answers." }
            : next with { Phase = RolloutPhases.Canary, Reason = $"Step 1 of {rollout.Steps.Count}: version {rollout.Canary} takes {Percent(rollout.Steps[0])} of requests." };
    }

    /// <summary>The criteria judged in <paramref name="rollout"/>'s phase: disagreement only in the shadow phase (the shadow answers no caller), and during the steps only while copies are sampled.</summary>
    public static RolloutCriteria CriteriaOf(RolloutRecord rollout) => rollout.Phase == RolloutPhases.Shadow
        ? rollout.Criteria with { MaxErrorRateIncrease = null, MaxLatencyRatio = null, MaxDrift = null, MinAccuracyDelta = null }
        : rollout.ShadowSample > 0 ? rollout.Criteria : rollout.Criteria with { MaxDisagreement = null };

    /// <summary>
    /// The record after the window [<paramref name="from"/>, <paramref name="to"/>) was judged <paramref name="verdicts"/>
    /// at <paramref name="now"/>, and the decision (<see cref="RolloutDecisions"/>).
    /// </summary>
    public static (RolloutRecord Next, string Decision) Decide(
        RolloutRecord rollout, IReadOnlyList<CriterionVerdict> verdicts, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now)
    {
        var failures = new Dictionary<string, int>(rollout.Failures, StringComparer.Ordinal);
        foreach (var verdict in verdicts)
        {
            failures[verdict.Criterion] = verdict.Verdict switch
            {
                Verdict.Fail => failures.GetValueOrDefault(verdict.Criterion) + 1,
                Verdict.Pass => 0,
                _ => failures.GetValueOrDefault(verdict.Criterion),
            };
        }
        var failing = verdicts.Where(v => v.Verdict == Verdict.Fail && failures[v.Criterion] >= rollout.FailureThreshold).ToList();
        string decision;
        RolloutRecord next;
        if (failing.Count > 0)
        {
            decision = RolloutDecisions.Rollback;
            var why = string.Join(" ", failing.Select(v => v.Reason));
            next = rollout with
            {
                Phase = RolloutPhases.RolledBack,
                Settled = false,
                Reason = $"{DryRun(rollout)}Rolled back at {Where(rollout)}: {string.Join(", ", failing.Select(v => v.Criterion))} failed {rollout.FailureThreshold} interval(s) in a row. {why}",
            };
        }
        else if (verdicts.All(v => v.Verdict == Verdict.Pass))
        {
            (next, decision) = Passed(rollout, to, now);
        }
        else
        {
            decision = RolloutDecisions.Hold;
            var holding = verdicts.FirstOrDefault(v => v.Verdict == Verdict.Fail) ?? verdicts.First(v => v.Verdict == Verdict.Inconclusive);
            var count = holding.Verdict == Verdict.Fail ? $" ({failures[holding.Criterion]} of {rollout.FailureThreshold} failures in a row before a rollback)" : "";
            next = rollout with { NextAt = to + rollout.Interval, Reason = $"Holding at {Where(rollout)}: {holding.Reason}{count}" };
        }
        var interval = new RolloutInterval(rollout.Phase, rollout.Step, rollout.Weight, from, to, verdicts, decision);
        var history = rollout.History.Count >= RolloutRecord.HistoryLength ? rollout.History.Skip(rollout.History.Count - RolloutRecord.HistoryLength + 1) : rollout.History;
        return (next with { Failures = failures, History = [.. history, interval] }, decision);
    }

    /// <summary>The rollout promoted at <paramref name="now"/> (its changes are made when it is settled).</summary>
    public static RolloutRecord Promote(RolloutRecord rollout, DateTimeOffset now, string reason) =>
        rollout with { Phase = RolloutPhases.Promoted, Settled = false, PhaseStartedAt = now, Reason = reason };

    /// <summary>
    /// The route <paramref name="rollout"/> needs now, from <paramref name="current"/>; null when it needs none changed
    /// (a dry run never changes it, nor a rollout not yet begun).
    /// </summary>
    public static RouteRecord? DesiredRoute(RolloutRecord rollout, RouteRecord? current)
    {
        if (rollout.DryRun || rollout.Phase == RolloutPhases.Starting)
        {
            return null;
        }
        var route = current ?? new RouteRecord(rollout.Model, rollout.Stable);
        var ownShadow = route.Shadow == rollout.Canary;
        var desired = rollout.Phase switch
        {
            RolloutPhases.Shadow => route with { Stable = rollout.Stable, Canary = null, CanaryWeight = 0, Shadow = rollout.Canary, ShadowPercent = 100 },
            RolloutPhases.Canary or RolloutPhases.AwaitingConfirm => route with
            {
                Stable = rollout.Stable,
                Canary = rollout.Canary,
                CanaryWeight = rollout.Steps[rollout.Step],
                Shadow = rollout.ShadowSample > 0 ? rollout.Canary : ownShadow ? null : route.Shadow,
                ShadowPercent = rollout.ShadowSample > 0 ? rollout.ShadowSample : ownShadow ? 0 : route.ShadowPercent,
            },
            RolloutPhases.Promoted => route with { Stable = rollout.Canary, Canary = null, CanaryWeight = 0 },
            _ => route with { Canary = route.Canary == rollout.Canary ? null : route.Canary, CanaryWeight = route.Canary == rollout.Canary ? 0 : route.CanaryWeight },
        };
        if (RolloutPhases.IsTerminal(rollout.Phase) && ownShadow)
        {
            desired = desired with { Shadow = null, ShadowPercent = 0 };
        }
        return Same(desired, current) ? null : desired;
    }

    /// <summary>Every criterion passed the window ending at <paramref name="to"/>.</summary>
    private static (RolloutRecord, string) Passed(RolloutRecord rollout, DateTimeOffset to, DateTimeOffset now)
    {
        if (rollout.Phase == RolloutPhases.Shadow)
        {
            if (to < rollout.PhaseStartedAt + rollout.ShadowDuration)
            {
                return (rollout with { NextAt = to + rollout.Interval, Reason = $"Shadow phase passed its interval; it lasts until {rollout.PhaseStartedAt + rollout.ShadowDuration:HH:mm:ss} UTC." }, RolloutDecisions.Hold);
            }
            return (rollout with
            {
                Phase = RolloutPhases.Canary,
                Step = 0,
                PhaseStartedAt = now,
                NextAt = AlignUp(now) + rollout.Interval,
                Reason = $"Shadow phase passed; step 1 of {rollout.Steps.Count}: version {rollout.Canary} takes {Percent(rollout.Steps[0])} of requests.",
            }, RolloutDecisions.Advance);
        }
        // A step of 100% is the promotion itself: stable would get no requests to judge the canary against.
        var last = rollout.Step + 1 >= rollout.Steps.Count || rollout.Steps[rollout.Step + 1] >= 100;
        if (!last)
        {
            var step = rollout.Step + 1;
            return (rollout with
            {
                Step = step,
                PhaseStartedAt = now,
                NextAt = AlignUp(now) + rollout.Interval,
                Reason = $"Step {step} passed; step {step + 1} of {rollout.Steps.Count}: version {rollout.Canary} takes {Percent(rollout.Steps[step])} of requests.",
            }, RolloutDecisions.Advance);
        }
        var passed = $"Every step passed (last at {Percent(rollout.Steps[rollout.Step])})";
        return rollout.Confirm && !rollout.Confirmed
            ? (rollout with { Phase = RolloutPhases.AwaitingConfirm, PhaseStartedAt = now, Reason = $"{passed}; 'mlops rollout confirm --model {rollout.Model}' promotes version {rollout.Canary}." }, RolloutDecisions.AwaitConfirm)
            : (Promote(rollout, now, $"{DryRun(rollout)}{passed}: version {rollout.Canary} is promoted to stable."), RolloutDecisions.Promote);
    }

    private static string DryRun(RolloutRecord rollout) => rollout.DryRun ? "Dry run, so nothing was moved: " : "";

    private static string Where(RolloutRecord rollout) => rollout.Phase == RolloutPhases.Shadow
        ? "the shadow phase"
        : $"step {rollout.Step + 1} ({Percent(rollout.Steps[rollout.Step])})";

    private static bool Same(RouteRecord a, RouteRecord? b) => b is not null && a.Stable == b.Stable && a.Canary == b.Canary && a.CanaryWeight == b.CanaryWeight
        && a.Shadow == b.Shadow && a.ShadowPercent == b.ShadowPercent;

    /// <summary>A percent for people: <c>25%</c>.</summary>
    public static string Percent(double value) => value.ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>A duration for people: <c>5m</c>, <c>30s</c>, <c>1h30m</c>.</summary>
    public static string Text(TimeSpan span) =>
        span.TotalSeconds < 60 ? $"{span.TotalSeconds:0.#}s"
        : span.TotalMinutes < 60 ? (span.Seconds == 0 ? $"{(int)span.TotalMinutes}m" : $"{(int)span.TotalMinutes}m{span.Seconds}s")
        : $"{(int)span.TotalHours}h{span.Minutes}m";
}
