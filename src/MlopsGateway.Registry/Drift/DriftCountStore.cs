using MlopsGateway.Registry.Baselines;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Drift;

/// <summary>
/// Workers' counts of live rows in their versions' baseline bins, in Redis: one hash per version and
/// 10-second bucket (<see cref="DriftKeys.Counts"/>), added to with HINCRBY so that every worker's
/// flushes merge, kept <see cref="TimeToLive"/>. Readers sum the buckets of a window.
/// </summary>
public sealed class DriftCountStore
{
    /// <summary>The span of time one bucket holds.</summary>
    public static readonly TimeSpan BucketLength = TimeSpan.FromSeconds(BucketSeconds);

    /// <summary>How long a bucket is kept after its last write.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromDays(2);

    private const long BucketSeconds = 10;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    /// <summary>The counts in <paramref name="redis"/>, in namespace <paramref name="keys"/> (the default one when null).</summary>
    public DriftCountStore(IConnectionMultiplexer redis, RedisKeys? keys = null)
    {
        _redis = redis;
        _keys = keys ?? RedisKeys.Default;
    }

    /// <summary>The start, in Unix seconds, of the bucket holding <paramref name="at"/>.</summary>
    public static long BucketStart(DateTimeOffset at)
    {
        var seconds = at.ToUnixTimeSeconds();
        return seconds - (((seconds % BucketSeconds) + BucketSeconds) % BucketSeconds);
    }

    /// <summary>
    /// Adds each of <paramref name="counts"/> to the bucket of the middle of its span, all in one
    /// transaction (one slot: the namespace's), so a flush lands whole or not at all.
    /// </summary>
    /// <exception cref="RedisException">Redis did not take them; nothing was added.</exception>
    public async Task AddAsync(IReadOnlyCollection<WindowCounts> counts)
    {
        var transaction = _redis.GetDatabase().CreateTransaction();
        var writes = new List<Task>();
        foreach (var window in counts)
        {
            var fields = DriftFields.Of(window);
            if (fields.Count == 0)
            {
                continue;
            }
            var middle = window.From + ((window.To - window.From) / 2);
            var key = _keys.Drift.Counts(window.Model, window.Version, BucketStart(middle));
            foreach (var (field, value) in fields)
            {
                writes.Add(transaction.HashIncrementAsync(key, field, value));
            }
            writes.Add(transaction.KeyExpireAsync(key, TimeToLive));
        }
        if (writes.Count == 0)
        {
            return;
        }
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException("Redis did not run the drift counts' transaction.");
        }
        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>
    /// The counts of <paramref name="model"/> <paramref name="version"/> summed over the buckets that
    /// start in [<paramref name="from"/>, <paramref name="to"/>), in the bins of <paramref name="profile"/>.
    /// A field that is not a count of the profile's bins is skipped and reported in <paramref name="faults"/>.
    /// </summary>
    /// <exception cref="RedisException">Redis could not be read.</exception>
    public async Task<WindowCounts> ReadAsync(
        string model, string version, DateTimeOffset from, DateTimeOffset to, BaselineProfile profile, ICollection<RecordFault>? faults = null)
    {
        var sum = new DriftFields.Sum(profile);
        var first = BucketStart(from);
        if (first < from.ToUnixTimeSeconds())
        {
            first += BucketSeconds;
        }
        var end = to.ToUnixTimeSeconds();
        var reads = new List<(string Key, Task<HashEntry[]> Entries)>();
        var batch = _redis.GetDatabase().CreateBatch();
        for (var bucket = first; bucket < end; bucket += BucketSeconds)
        {
            var key = _keys.Drift.Counts(model, version, bucket);
            reads.Add((key, batch.HashGetAllAsync(key)));
        }
        batch.Execute();
        foreach (var (key, entries) in reads)
        {
            foreach (var entry in await entries.ConfigureAwait(false))
            {
                if (sum.Add(entry.Name.ToString(), entry.Value) is { } fault)
                {
                    faults?.Add(new RecordFault($"{key} field {entry.Name}", fault));
                }
            }
        }
        return sum.ToCounts(model, version, from, to);
    }
}
