namespace MlopsGateway.Registry.Telemetry;

/// <summary>
/// The Redis keys of call telemetry in one namespace (<see cref="RedisKeys.Telemetry"/>), under the
/// namespace's <c>{ns}:</c> hash tag, so one gateway's flush over many versions is one transaction
/// on one cluster slot.
/// </summary>
public sealed class TelemetryKeys
{
    private readonly RedisKeys _keys;

    internal TelemetryKeys(RedisKeys keys) => _keys = keys;

    /// <summary>
    /// Hash of one version's calls in the bucket (<see cref="TelemetryStore.BucketLength"/>) starting at
    /// <paramref name="bucketStart"/> Unix seconds, summed over every gateway: <c>ok</c>,
    /// <c>e:&lt;STATUS&gt;</c> (failed calls by gRPC status name), <c>l&lt;i&gt;</c> (answered calls in latency
    /// bucket i), <c>sr</c> (shadow rows compared) and <c>sd</c> (of those, rows that differed).
    /// </summary>
    public string Calls(string model, string version, long bucketStart) => _keys.Key($"telemetry:{model}:{version}:{bucketStart}");
}
