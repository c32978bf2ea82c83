using MlopsGateway.Registry.Models;

namespace MlopsGateway.Registry;

public sealed partial class RedisKeys
{
    private ModelKeys? _models;

    /// <summary>The model registry's keys and channel in this namespace.</summary>
    public ModelKeys Models => _models ??= new ModelKeys(this);
}
