using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// One model's automated rollout, as kept in Redis (<see cref="RolloutKeys.Rollout"/>): what is being
/// rolled out, how (steps, interval, criteria), where it stands and why. The leading gateway's
/// controller is its only writer while it runs, apart from the people's requests (pause, resume,
/// abort, confirm); a new leader continues from it. Immutable; a change replaces it whole.
/// </summary>
/// <param name="Model">The model.</param>
/// <param name="Canary">The version being rolled out.</param>
/// <param name="Stable">The version it is judged against (the route's stable version at the start).</param>
/// <param name="Steps">The canary's weights, in percent, in order.</param>
/// <param name="Step">The index in <see cref="Steps"/> of the current step (0 before the first).</param>
/// <param name="Phase">One of <see cref="RolloutPhases"/>.</param>
/// <param name="Paused">Held by <c>mlops rollout pause</c>: no judging, no weight change, until resumed.</param>
/// <param name="DryRun">Judged and recorded, but the route and the alias are never changed.</param>
/// <param name="Confirm">Whether promotion waits for <c>mlops rollout confirm</c>.</param>
/// <param name="Confirmed">Whether it was confirmed.</param>
/// <param name="Interval">The length of each judged window.</param>
/// <param name="ShadowDuration">How long the shadow phase lasts at least (zero: none).</param>
/// <param name="ShadowSample">Percent of stable's requests copied to the canary during the steps, so disagreement stays measured.</param>
/// <param name="FailureThreshold">Intervals in a row a criterion may fail before the rollout rolls back.</param>
/// <param name="Failures">Consecutive failed intervals per criterion; a pass resets it, an inconclusive interval leaves it.</param>
/// <param name="Criteria">What the canary must meet.</param>
/// <param name="History">The judged intervals, oldest first (the latest <see cref="RolloutRecord.HistoryLength"/>).</param>
/// <param name="Reason">Why it stands where it does (the last decision's reason).</param>
/// <param name="StartedAt">When it was started.</param>
/// <param name="StartedBy">Who started it.</param>
/// <param name="UpdatedAt">When it was last written.</param>
/// <param name="PhaseStartedAt">When the current phase or step began.</param>
/// <param name="NextAt">The end of the next window to judge (it is judged a little after, once every gateway flushed it).</param>
/// <param name="Settled">Whether a finished rollout's route and alias changes were made.</param>
/// <param name="Webhook">Where its events are posted; never printed or logged.</param>
/// <param name="Fence">The fencing token of the lease the last controller write was made under (0: none yet).</param>
public sealed record RolloutRecord(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("canary")] string Canary,
    [property: JsonPropertyName("stable")] string Stable,
    [property: JsonPropertyName("steps")] IReadOnlyList<double> Steps,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("paused")] bool Paused,
    [property: JsonPropertyName("dry_run")] bool DryRun,
    [property: JsonPropertyName("confirm")] bool Confirm,
    [property: JsonPropertyName("confirmed")] bool Confirmed,
    [property: JsonPropertyName("interval")] TimeSpan Interval,
    [property: JsonPropertyName("shadow_duration")] TimeSpan ShadowDuration,
    [property: JsonPropertyName("shadow_sample")] double ShadowSample,
    [property: JsonPropertyName("failure_threshold")] int FailureThreshold,
    [property: JsonPropertyName("failures")] IReadOnlyDictionary<string, int> Failures,
    [property: JsonPropertyName("criteria")] RolloutCriteria Criteria,
    [property: JsonPropertyName("history")] IReadOnlyList<RolloutInterval> History,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("started_by")] string StartedBy,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("phase_started_at")] DateTimeOffset PhaseStartedAt,
    [property: JsonPropertyName("next_at")] DateTimeOffset NextAt,
    [property: JsonPropertyName("settled")] bool Settled,
    [property: JsonPropertyName("webhook")] string? Webhook,
    [property: JsonPropertyName("fence")] long Fence)
{
    /// <summary>Judged intervals kept in the record; older ones stay in the audit trail.</summary>
    public const int HistoryLength = 200;

    /// <summary>Whether the rollout has ended (promoted, rolled back or aborted).</summary>
    [JsonIgnore]
    public bool IsFinished => RolloutPhases.IsTerminal(Phase);

    /// <summary>The canary's weight now: the current step's during the steps, none before or after.</summary>
    [JsonIgnore]
    public double Weight => Phase is RolloutPhases.Canary or RolloutPhases.AwaitingConfirm ? Steps[Step] : 0;
}

/// <summary>One judged window of a rollout, with the verdicts and what was decided.</summary>
/// <param name="Phase">The phase it was judged in.</param>
/// <param name="Step">The step's index.</param>
/// <param name="Weight">The canary's weight during the window.</param>
/// <param name="From">The window's start.</param>
/// <param name="To">The window's end (exclusive).</param>
/// <param name="Verdicts">Every criterion judged.</param>
/// <param name="Decision">What followed: one of <see cref="RolloutDecisions"/>.</param>
public sealed record RolloutInterval(
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("weight")] double Weight,
    [property: JsonPropertyName("from")] DateTimeOffset From,
    [property: JsonPropertyName("to")] DateTimeOffset To,
    [property: JsonPropertyName("verdicts")] IReadOnlyList<CriterionVerdict> Verdicts,
    [property: JsonPropertyName("decision")] string Decision);
