using StackExchange.Redis;

namespace MlopsGateway.Registry.Telemetry;

/// <summary>
/// Per-version call telemetry that every gateway flushes to Redis in time buckets, merged by every
/// reader (the rollout judge, the console): one hash per version and 10-second bucket
/// (<see cref="TelemetryKeys.Calls"/>), added to with HINCRBY so that every gateway's flushes merge,
/// kept <see cref="TimeToLive"/> after the last write. Every field is checked when read; one that is
/// not a count this store writes is skipped and reported through <see cref="Fault"/>.
/// </summary>
public sealed class TelemetryStore
{
    /// <summary>Length of one bucket.</summary>
    public static readonly TimeSpan BucketLength = TimeSpan.FromSeconds(BucketSeconds);

    /// <summary>How long a bucket is kept after its last write: the console shows the last hour, a rollout's interval is minutes.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromHours(3);

    /// <summary>The most buckets one read spans (a day), so a mistyped window cannot send Redis millions of reads.</summary>
    public const int MaxBuckets = 24 * 360;

    private const long BucketSeconds = 10;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    /// <summary>A store over <paramref name="redis"/> in the namespace of <paramref name="keys"/> (default <c>mlops</c>).</summary>
    public TelemetryStore(IConnectionMultiplexer redis, RedisKeys? keys = null)
    {
        _redis = redis;
        _keys = keys ?? RedisKeys.Default;
    }

    /// <summary>Fields skipped while reading (not a count, or not one of telemetry's), for the caller to log.</summary>
    public event Action<RecordFault>? Fault;

    /// <summary>The start, in Unix seconds, of the bucket holding <paramref name="at"/>.</summary>
    public static long BucketStart(DateTimeOffset at)
    {
        var seconds = at.ToUnixTimeSeconds();
        return seconds - (((seconds % BucketSeconds) + BucketSeconds) % BucketSeconds);
    }

    /// <summary>
    /// Adds one gateway's counts, each into the bucket that holds its <see cref="VersionTelemetry.From"/>,
    /// all in one transaction (one slot: the namespace's), so a flush lands whole or not at all and a
    /// gateway that keeps its counts after a failure adds them once.
    /// </summary>
    /// <exception cref="ArgumentException">A count is negative or a status is not a gRPC error status name.</exception>
    /// <exception cref="RedisException">Redis did not take them; nothing was added.</exception>
    public async Task FlushAsync(IReadOnlyList<VersionTelemetry> deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var writes = deltas.Select(d => (Key: _keys.Telemetry.Calls(d.Model, d.Version, BucketStart(d.From)), Fields: TelemetryFields.Of(d)))
            .Where(w => w.Fields.Count > 0)
            .ToList();
        if (writes.Count == 0)
        {
            return;
        }
        var transaction = _redis.GetDatabase().CreateTransaction();
        var replies = new List<Task>();
        foreach (var (key, fields) in writes)
        {
            foreach (var (field, value) in fields)
            {
                replies.Add(transaction.HashIncrementAsync(key, field, value));
            }
            replies.Add(transaction.KeyExpireAsync(key, TimeToLive));
        }
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException("Redis did not run the call telemetry's transaction.");
        }
        await Task.WhenAll(replies).ConfigureAwait(false);
    }

    /// <summary>One version's counts over [<paramref name="from"/>, <paramref name="to"/>), whole buckets, merged across gateways.</summary>
    /// <exception cref="ArgumentException">The window spans more than <see cref="MaxBuckets"/> buckets.</exception>
    /// <exception cref="RedisException">Redis could not be read.</exception>
    public async Task<VersionTelemetry> ReadAsync(string model, string version, DateTimeOffset from, DateTimeOffset to)
    {
        var sum = Empty(model, version, from, to);
        foreach (var bucket in await ReadSeriesAsync(model, version, from, to).ConfigureAwait(false))
        {
            sum = sum.Add(bucket);
        }
        // The span is the one asked for, not only the buckets that had calls.
        return sum with { From = from, To = to };
    }

    /// <summary>
    /// One version's counts bucket by bucket over [<paramref name="from"/>, <paramref name="to"/>), oldest first,
    /// empty buckets included: the buckets that start in the window, each spanning <see cref="BucketLength"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The window spans more than <see cref="MaxBuckets"/> buckets.</exception>
    /// <exception cref="RedisException">Redis could not be read.</exception>
    public async Task<IReadOnlyList<VersionTelemetry>> ReadSeriesAsync(string model, string version, DateTimeOffset from, DateTimeOffset to)
    {
        var first = BucketStart(from);
        if (DateTimeOffset.FromUnixTimeSeconds(first) < from)
        {
            first += BucketSeconds;
        }
        // Bucket starts are whole seconds: one starts before `to` exactly when it starts before `to` rounded up.
        var end = to.ToUnixTimeSeconds() + (DateTimeOffset.FromUnixTimeSeconds(to.ToUnixTimeSeconds()) < to ? 1 : 0);
        var count = end > first ? (end - first + BucketSeconds - 1) / BucketSeconds : 0;
        if (count > MaxBuckets)
        {
            throw new ArgumentException($"The window {from:O} to {to:O} spans {count} buckets of {BucketSeconds} s; at most {MaxBuckets} (a day) are read at once.", nameof(to));
        }
        var batch = _redis.GetDatabase().CreateBatch();
        var reads = new List<(long Start, string Key, Task<HashEntry[]> Entries)>();
        for (var bucket = first; bucket < end; bucket += BucketSeconds)
        {
            var key = _keys.Telemetry.Calls(model, version, bucket);
            reads.Add((bucket, key, batch.HashGetAllAsync(key)));
        }
        batch.Execute();
        var series = new List<VersionTelemetry>(reads.Count);
        foreach (var (start, key, entries) in reads)
        {
            var bucketFrom = DateTimeOffset.FromUnixTimeSeconds(start);
            series.Add(TelemetryFields.Read(model, version, bucketFrom, bucketFrom + BucketLength, await entries.ConfigureAwait(false),
                (field, fault) => Fault?.Invoke(new RecordFault($"{key} field {field}", fault))));
        }
        return series;
    }

    /// <summary>No calls over [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static VersionTelemetry Empty(string model, string version, DateTimeOffset from, DateTimeOffset to) =>
        new(model, version, from, to, 0, new Dictionary<string, long>(StringComparer.Ordinal), new long[VersionTelemetry.LatencyEntries], 0, 0);
}
