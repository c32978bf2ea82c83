namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// Where automated rollouts live in one namespace (<see cref="RedisKeys.Rollouts"/>). Every key starts
/// with the namespace's <c>{ns}:</c> hash tag, so a state write conditioned on the lease is one
/// single-slot transaction on a cluster too.
/// </summary>
public sealed class RolloutKeys
{
    private readonly RedisKeys _keys;

    internal RolloutKeys(RedisKeys keys)
    {
        _keys = keys;
        Index = keys.Key("rollouts");
        Audit = keys.Key("rollouts:audit");
        Lease = keys.Key("rollouts:leader");
        Fence = keys.Key("rollouts:fence");
    }

    /// <summary>Set of the models that have a rollout record (running or finished).</summary>
    public string Index { get; }

    /// <summary>Stream (a capped list where streams are missing) of <see cref="RolloutDecision"/> entries: every decision with its evidence.</summary>
    public string Audit { get; }

    /// <summary>String, expiring: the controllers' leader lease, <c>TOKEN HOLDER</c>, set NX PX.</summary>
    public string Lease { get; }

    /// <summary>Integer: the fence counter; each lease taken gets the next value as its fencing token.</summary>
    public string Fence { get; }

    /// <summary>String: the <see cref="RolloutRecord"/> (JSON) of <paramref name="model"/>'s rollout.</summary>
    public string Rollout(string model) => _keys.Key($"rollout:{model}");
}
