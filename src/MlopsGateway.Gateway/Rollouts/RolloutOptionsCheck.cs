namespace MlopsGateway.Gateway.Rollouts;

/// <summary>The rollout settings' part of <see cref="GatewayOptionsValidator"/>.</summary>
internal static class RolloutOptionsCheck
{
    public static void Validate(List<string> errors, GatewayOptions options)
    {
        if (options.RolloutTick <= TimeSpan.Zero)
        {
            errors.Add($"RolloutTick: must be positive, not {options.RolloutTick}.");
        }
        if (options.RolloutLeaseTtl < options.RolloutTick * 2)
        {
            errors.Add($"RolloutLeaseTtl: must be at least twice RolloutTick ({options.RolloutTick}), not {options.RolloutLeaseTtl}; the leader would lose its lease between renewals.");
        }
        if (options.RolloutSettleDelay < TimeSpan.Zero)
        {
            errors.Add($"RolloutSettleDelay: must not be negative, not {options.RolloutSettleDelay}.");
        }
    }
}
