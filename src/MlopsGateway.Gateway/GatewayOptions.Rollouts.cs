namespace MlopsGateway.Gateway;

// Rollout controller settings: the automated canary analysis every gateway can lead.
public sealed partial class GatewayOptions
{
    /// <summary>Whether this gateway contends for the rollout controllers' lease and, while it leads, runs the rollouts.</summary>
    public bool RunRollouts { get; set; } = true;

    /// <summary>How often the controller looks at the rollouts (and the leader renews its lease).</summary>
    public TimeSpan RolloutTick { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the leader's lease lasts unrenewed: a leader that dies is replaced this long after (a clean stop hands it over at once).</summary>
    public TimeSpan RolloutLeaseTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long after a window ends it is judged: every gateway's telemetry of it must have been flushed by then, so longer than the telemetry flush interval (5 s by default).</summary>
    public TimeSpan RolloutSettleDelay { get; set; } = TimeSpan.FromSeconds(8);
}
