using MlopsGateway.Registry.Alerts;

namespace MlopsGateway.Registry;

public sealed partial class RedisKeys
{
    private AlertKeys? _alerts;

    /// <summary>The keys gateways claim alert transitions with, in this namespace.</summary>
    public AlertKeys Alerts => _alerts ??= new AlertKeys(this);
}
