using MlopsGateway.Registry.Drift;

namespace MlopsGateway.Registry;

public sealed partial class RedisKeys
{
    private DriftKeys? _drift;

    /// <summary>The keys of the workers' drift counts and of baseline captures in this namespace.</summary>
    public DriftKeys Drift => _drift ??= new DriftKeys(this);
}
