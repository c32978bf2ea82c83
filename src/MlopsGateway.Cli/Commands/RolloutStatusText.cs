using System.Globalization;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Rollouts;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// The rollout part of <c>mlops rollout status</c>: where each rollout stands, every step with its
/// weight and its latest window's verdicts (value, limit, samples, test), what happens next and
/// when, and who leads. The webhook is shown only as set or not.
/// </summary>
internal static class RolloutStatusText
{
    // A window is judged a little after it ends (GatewayOptions.RolloutSettleDelay's default), once every gateway flushed it.
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(8);

    public static async Task WriteAsync(TextWriter output, IConnectionMultiplexer redis, RedisKeys keys, string? model)
    {
        var store = new RolloutStore(redis, keys);
        var snapshots = model is null ? await store.ReadAllAsync().ConfigureAwait(false) : [await store.ReadAsync(model).ConfigureAwait(false)];
        var shown = snapshots.Where(s => s.Record is not null || s.Fault is not null).ToList();
        if (shown.Count == 0)
        {
            return;
        }
        var leader = await LeaderLease.CurrentAsync(redis, keys).ConfigureAwait(false);
        await output.WriteLineAsync(leader is null
            ? "Rollout controllers: no gateway leads now; running rollouts do not move until a gateway runs."
            : $"Rollout controllers: led by gateway {leader.Holder} (fencing token {leader.Token}).").ConfigureAwait(false);
        foreach (var snapshot in shown)
        {
            if (snapshot.Fault is { } fault)
            {
                await output.WriteLineAsync($"Rollout of {snapshot.Model}: the record at {fault.Key} cannot be used: {fault.Fault}.").ConfigureAwait(false);
                continue;
            }
            await WriteOneAsync(output, snapshot.Record!, DateTimeOffset.UtcNow).ConfigureAwait(false);
        }
    }

    /// <summary>One rollout, as people read it.</summary>
    public static async Task WriteOneAsync(TextWriter output, RolloutRecord r, DateTimeOffset now)
    {
        var flags = (r.Paused ? ", PAUSED" : "") + (r.DryRun ? ", dry run: no weight moves" : "");
        await output.WriteLineAsync($"Rollout of {r.Model}: version {r.Canary} against stable {r.Stable}: {r.Phase}{flags}").ConfigureAwait(false);
        await output.WriteLineAsync($"  started {Time(r.StartedAt)} by {r.StartedBy}; interval {Span(r.Interval)}, rollback after {r.FailureThreshold} failed window(s) in a row, "
            + $"min requests {r.Criteria.MinRequests}, shadow {(r.ShadowDuration > TimeSpan.Zero ? Span(r.ShadowDuration) : "none")}, shadow sample {F(r.ShadowSample)}%"
            + $"{(r.Confirm ? ", promotion waits for confirm" + (r.Confirmed ? " (confirmed)" : "") : "")}; webhook: {(r.Webhook is null ? "none" : "set")}").ConfigureAwait(false);
        await output.WriteLineAsync($"  now: {r.Reason}").ConfigureAwait(false);
        await output.WriteLineAsync($"  next: {Next(r, now)}").ConfigureAwait(false);
        if (r.ShadowDuration > TimeSpan.Zero)
        {
            await WriteStepAsync(output, "shadow", r.History.Where(h => h.Phase == RolloutPhases.Shadow).ToList(),
                r.Phase == RolloutPhases.Shadow ? "current" : r.Phase == RolloutPhases.Starting ? "pending" : "done").ConfigureAwait(false);
        }
        for (var i = 0; i < r.Steps.Count; i++)
        {
            var intervals = StepIntervals(r, i);
            await WriteStepAsync(output, $"step {i + 1} at {RolloutStartCommand.Percent(r.Steps[i])}", intervals, StepState(r, i, intervals)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <c>mlops rollout status --json</c>: every rollout with each step's weight, state and windows (every
    /// criterion's value, limit, test, p-value, verdict and reason), what happens next and when, and who
    /// leads. Figures that are not defined are null; the webhook is only <c>webhook_set</c>.
    /// </summary>
    public static async Task<object> JsonAsync(IConnectionMultiplexer redis, RedisKeys keys, string? model, DateTimeOffset now)
    {
        var store = new RolloutStore(redis, keys);
        var snapshots = model is null ? await store.ReadAllAsync().ConfigureAwait(false) : [await store.ReadAsync(model).ConfigureAwait(false)];
        var leader = await LeaderLease.CurrentAsync(redis, keys).ConfigureAwait(false);
        return new
        {
            leader = leader is null ? null : new { holder = leader.Holder, fencing_token = leader.Token },
            rollouts = snapshots.Where(s => s.Record is not null).Select(s => Json(s.Record!, now)).ToList(),
            unusable = snapshots.Where(s => s.Fault is not null).Select(s => new { model = s.Model, key = s.Fault!.Key, fault = s.Fault.Fault }).ToList(),
        };
    }

    private static object Json(RolloutRecord r, DateTimeOffset now)
    {
        var judging = !r.IsFinished && !r.Paused && r.Phase is RolloutPhases.Shadow or RolloutPhases.Canary;
        return new
        {
            model = r.Model,
            canary = r.Canary,
            stable = r.Stable,
            phase = r.Phase,
            paused = r.Paused,
            dry_run = r.DryRun,
            confirm = r.Confirm,
            confirmed = r.Confirmed,
            weight = r.Weight,
            step = r.Step + 1,
            interval_seconds = r.Interval.TotalSeconds,
            shadow_seconds = r.ShadowDuration.TotalSeconds,
            shadow_sample = r.ShadowSample,
            failure_threshold = r.FailureThreshold,
            failures = r.Failures,
            criteria = r.Criteria,
            reason = r.Reason,
            next = Next(r, now),
            next_window = judging ? new { from = r.NextAt - r.Interval, to = r.NextAt, judged_at = r.NextAt + s_settle } : null,
            started_at = r.StartedAt,
            started_by = r.StartedBy,
            updated_at = r.UpdatedAt,
            settled = r.Settled,
            webhook_set = r.Webhook is not null,
            steps = r.Steps.Select((weight, i) =>
            {
                var intervals = StepIntervals(r, i);
                return new { step = i + 1, weight, state = StepState(r, i, intervals), windows = intervals };
            }).ToList(),
            shadow = r.History.Where(h => h.Phase == RolloutPhases.Shadow).ToList(),
        };
    }

    private static List<RolloutInterval> StepIntervals(RolloutRecord r, int step) =>
        r.History.Where(h => h.Phase != RolloutPhases.Shadow && h.Step == step).ToList();

    private static string StepState(RolloutRecord r, int i, IReadOnlyList<RolloutInterval> intervals) =>
        r.Steps[i] >= 100 ? (r.Phase == RolloutPhases.Promoted ? "promoted" : "the promotion")
        : intervals.Any(h => h.Decision is RolloutDecisions.Advance or RolloutDecisions.Promote or RolloutDecisions.AwaitConfirm) ? "passed"
        : intervals.Any(h => h.Decision == RolloutDecisions.Rollback) ? "failed"
        : i == r.Step && r.Phase is RolloutPhases.Canary or RolloutPhases.AwaitingConfirm ? "current" : "pending";

    private static async Task WriteStepAsync(TextWriter output, string name, IReadOnlyList<RolloutInterval> intervals, string state)
    {
        await output.WriteLineAsync($"  {name}: {state}{(intervals.Count > 0 ? $", {intervals.Count} window(s) judged" : "")}").ConfigureAwait(false);
        if (intervals.Count == 0)
        {
            return;
        }
        var last = intervals[^1];
        await output.WriteLineAsync($"    latest window {Clock(last.From)}-{Clock(last.To)} UTC: {last.Decision}").ConfigureAwait(false);
        foreach (var v in last.Verdicts)
        {
            await output.WriteLineAsync($"    {v.Criterion,-13} {v.Verdict.ToString().ToUpperInvariant(),-12} value {F(v.Value)} (limit {F(v.Limit)}; stable {F(v.Stable)}, canary {F(v.Canary)}; "
                + $"samples {v.StableSamples}/{v.CanarySamples}) {v.Test}").ConfigureAwait(false);
        }
    }

    private static string Next(RolloutRecord r, DateTimeOffset now) => r switch
    {
        { IsFinished: true, Settled: true } => "nothing: the rollout has finished.",
        { IsFinished: true } => "the leading gateway makes its route changes within a tick.",
        { Paused: true } => "nothing until 'mlops rollout resume'.",
        { Phase: RolloutPhases.Starting } => "the leading gateway begins it within a tick.",
        { Phase: RolloutPhases.AwaitingConfirm } => r.Confirmed ? "promotion within a tick." : $"waiting for 'mlops rollout confirm --model {r.Model}'.",
        _ => $"the window {Clock(r.NextAt - r.Interval)}-{Clock(r.NextAt)} UTC is judged at about {Clock(r.NextAt + s_settle)} UTC "
            + $"({(r.NextAt + s_settle - now > TimeSpan.Zero ? "in " + Span(r.NextAt + s_settle - now) : "due now")}); "
            + "if every criterion passes: " + (r.Phase == RolloutPhases.Shadow ? "the shadow phase ends once its duration is over"
                : r.Step + 1 < r.Steps.Count && r.Steps[r.Step + 1] < 100 ? $"step {r.Step + 2} at {RolloutStartCommand.Percent(r.Steps[r.Step + 1])}"
                : r.Confirm && !r.Confirmed ? "waits for confirm" : "promotion")
            + $"; a criterion failing {r.FailureThreshold} window(s) in a row rolls it back.",
    };

    private static string F(double value) => double.IsNaN(value) ? "-" : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private static string Clock(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Span(TimeSpan span) => span.TotalSeconds < 60 ? $"{span.TotalSeconds:0}s" : span.Seconds == 0 ? $"{(int)span.TotalMinutes}m" : $"{(int)span.TotalMinutes}m{span.Seconds}s";
}
