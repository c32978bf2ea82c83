namespace MlopsGateway.Registry.Drift;

/// <summary>
/// The Redis keys of drift counts and baseline captures in one namespace (<see cref="RedisKeys.Drift"/>),
/// all under the namespace's <c>{ns}:</c> hash tag, so one flush's keys share a cluster slot.
/// </summary>
public sealed class DriftKeys
{
    private readonly RedisKeys _keys;

    internal DriftKeys(RedisKeys keys)
    {
        _keys = keys;
        Captures = keys.Key("captures");
    }

    /// <summary>
    /// Hash of one version's rows counted in one bucket (<see cref="DriftCountStore.BucketLength"/>) starting at
    /// <paramref name="bucketStart"/> Unix seconds, summed over every worker: <c>rows</c>, <c>f&lt;i&gt;:&lt;bin&gt;</c>,
    /// <c>m&lt;i&gt;</c> (feature i's NaNs) and <c>p:&lt;bin&gt;</c>.
    /// </summary>
    public string Counts(string model, string version, long bucketStart) => _keys.Key($"drift:{model}:{version}:{bucketStart}");

    /// <summary>Hash of open capture requests: field <c>M:V</c>, value a <see cref="CaptureRequest"/> as JSON.</summary>
    public string Captures { get; }

    /// <summary>List of the rows workers captured for a version's baseline, one <see cref="CapturedRow"/> (JSON) each.</summary>
    public string CaptureRows(string model, string version) => _keys.Key($"capture:{model}:{version}:rows");

    /// <summary>String: the <see cref="CaptureSource"/> (JSON) of a version's captured rows, written by the worker that captures them.</summary>
    public string CaptureSource(string model, string version) => _keys.Key($"capture:{model}:{version}:source");
}
