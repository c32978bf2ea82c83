using MlopsGateway.Registry.Rollouts;

namespace MlopsGateway.Registry;

public sealed partial class RedisKeys
{
    private RolloutKeys? _rollouts;

    /// <summary>The keys of automated rollouts, their audit trail and the controllers' leader lease in this namespace.</summary>
    public RolloutKeys Rollouts => _rollouts ??= new RolloutKeys(this);
}
