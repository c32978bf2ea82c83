using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Gateway.Telemetry;

/// <summary>
/// Counts taken from <see cref="CallTelemetry"/> and not yet in Redis, merged per version and
/// 10-second bucket (so an outage costs one entry per version per bucket, not one per flush), and
/// bounded: beyond <paramref name="maxBuckets"/> entries the oldest buckets are dropped.
/// Not thread-safe: one flush at a time uses it.
/// </summary>
internal sealed class PendingTelemetry(int maxBuckets)
{
    private readonly Dictionary<(string Model, string Version, long Bucket), VersionTelemetry> _pending = [];

    /// <summary>Entries held: versions × buckets.</summary>
    public int Count => _pending.Count;

    /// <summary>What is held, for one flush.</summary>
    public IReadOnlyList<VersionTelemetry> All => [.. _pending.Values];

    /// <summary>Adds <paramref name="deltas"/>, each into the entry of its version and the bucket holding its start.</summary>
    public void Add(IEnumerable<VersionTelemetry> deltas)
    {
        foreach (var delta in deltas)
        {
            var key = (delta.Model, delta.Version, TelemetryStore.BucketStart(delta.From));
            _pending[key] = _pending.TryGetValue(key, out var held) ? held.Add(delta) : delta;
        }
    }

    /// <summary>Drops the oldest entries beyond the bound; returns what they held.</summary>
    public (long Calls, long Rows, int Buckets) Trim()
    {
        if (_pending.Count <= maxBuckets)
        {
            return (0, 0, 0);
        }
        long calls = 0, rows = 0;
        var oldest = _pending.OrderBy(p => p.Key.Bucket).Take(_pending.Count - maxBuckets).ToList();
        foreach (var (key, held) in oldest)
        {
            calls += held.Requests;
            rows += held.ShadowRows;
            _pending.Remove(key);
        }
        return (calls, rows, oldest.Count);
    }

    /// <summary>Forgets everything held (Redis took it).</summary>
    public void Clear() => _pending.Clear();
}
