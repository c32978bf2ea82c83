using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Registry;

public sealed partial class RedisKeys
{
    private BaselineKeys? _baselines;

    /// <summary>The keys of model versions' baseline profiles in this namespace.</summary>
    public BaselineKeys Baselines => _baselines ??= new BaselineKeys(this);
}
