using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// One decision about a rollout, with its evidence: an entry of the audit trail
/// (<see cref="RolloutKeys.Audit"/>) and the body of each webhook post. Never holds the webhook's URL.
/// </summary>
/// <param name="Id">Unique per decision (<c>MODEL@STARTED:SEQ</c>): a receiver that sees an id twice (a retried post) can drop it.</param>
/// <param name="Model">The model.</param>
/// <param name="Canary">The version being rolled out.</param>
/// <param name="Stable">The version it is judged against.</param>
/// <param name="Decision">One of <see cref="RolloutDecisions"/>.</param>
/// <param name="Phase">The phase after the decision.</param>
/// <param name="Step">The step's index after the decision.</param>
/// <param name="Weight">The canary's weight after the decision.</param>
/// <param name="DryRun">Whether the rollout is a dry run (nothing was moved).</param>
/// <param name="Reason">Why, in one sentence a person can act on.</param>
/// <param name="Verdicts">The verdicts of the window decided on; empty for decisions people make.</param>
/// <param name="By">Who decided: the leading gateway (<c>controller HOLDER</c>) or a person.</param>
/// <param name="At">When.</param>
/// <param name="Fence">The fencing token it was written under (0 for people's requests).</param>
public sealed record RolloutDecision(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("canary")] string Canary,
    [property: JsonPropertyName("stable")] string Stable,
    [property: JsonPropertyName("decision")] string Decision,
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("weight")] double Weight,
    [property: JsonPropertyName("dry_run")] bool DryRun,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("verdicts")] IReadOnlyList<CriterionVerdict> Verdicts,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("fence")] long Fence);

/// <summary>What a decision can be, as stored and posted.</summary>
public static class RolloutDecisions
{
    /// <summary><c>mlops rollout start</c> wrote the rollout.</summary>
    public const string Start = "start";

    /// <summary>The controller set up the first phase.</summary>
    public const string Begin = "begin";

    /// <summary>The step holds: a criterion was inconclusive or failed fewer times in a row than the threshold.</summary>
    public const string Hold = "hold";

    /// <summary>Every criterion passed: on to the next step.</summary>
    public const string Advance = "advance";

    /// <summary>Every step passed; waiting for <c>mlops rollout confirm</c>.</summary>
    public const string AwaitConfirm = "await-confirm";

    /// <summary>A person confirmed the promotion.</summary>
    public const string Confirm = "confirm";

    /// <summary>The canary became stable.</summary>
    public const string Promote = "promote";

    /// <summary>A criterion failed too many intervals in a row: the canary was taken out.</summary>
    public const string Rollback = "rollback";

    /// <summary>A person paused the rollout.</summary>
    public const string Pause = "pause";

    /// <summary>A person resumed it.</summary>
    public const string Resume = "resume";

    /// <summary>A person aborted it: the canary was taken out.</summary>
    public const string Abort = "abort";
}
