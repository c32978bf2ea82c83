namespace MlopsGateway.Registry.Rollouts;

/// <summary>The phases of a rollout, as stored and printed.</summary>
public static class RolloutPhases
{
    /// <summary>Written by <c>mlops rollout start</c>; the leading controller has not set it up yet.</summary>
    public const string Starting = "starting";

    /// <summary>Requests are copied to the canary as a shadow; no caller sees its answers.</summary>
    public const string Shadow = "shadow";

    /// <summary>The canary takes the current step's weight of requests.</summary>
    public const string Canary = "canary";

    /// <summary>Every step passed; waits for <c>mlops rollout confirm</c> (the rollout was started with --confirm).</summary>
    public const string AwaitingConfirm = "awaiting-confirm";

    /// <summary>The canary became stable (terminal).</summary>
    public const string Promoted = "promoted";

    /// <summary>A criterion failed --failure-threshold intervals in a row; the canary was taken out (terminal).</summary>
    public const string RolledBack = "rolled-back";

    /// <summary>Stopped by <c>mlops rollout abort</c>; the canary was taken out (terminal).</summary>
    public const string Aborted = "aborted";

    /// <summary>Every phase a record may hold.</summary>
    public static IReadOnlyList<string> All { get; } = [Starting, Shadow, Canary, AwaitingConfirm, Promoted, RolledBack, Aborted];

    /// <summary>Whether <paramref name="phase"/> ends a rollout.</summary>
    public static bool IsTerminal(string phase) => phase is Promoted or RolledBack or Aborted;
}
