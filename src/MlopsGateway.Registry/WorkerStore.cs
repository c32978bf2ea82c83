using System.Text.Json;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>
/// Worker registrations in Redis: each worker's record under its own key with a TTL that its
/// heartbeat renews, the ids in a set, and arrivals, changes and departures announced on
/// <see cref="RedisKeys.WorkersChanged"/>. A worker that dies without leaving simply expires.
/// </summary>
public sealed class WorkerStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    /// <summary>A store over <paramref name="redis"/> in namespace <paramref name="keys"/> (<see cref="RedisKeys.Default"/> when null).</summary>
    public WorkerStore(IConnectionMultiplexer redis, RedisKeys? keys = null)
    {
        _redis = redis;
        _keys = keys ?? RedisKeys.Default;
    }

    /// <summary>Writes (or renews) <paramref name="record"/>, expiring after <paramref name="ttl"/> unless renewed.</summary>
    public async Task RegisterAsync(WorkerRecord record, TimeSpan ttl)
    {
        var db = _redis.GetDatabase();
        // The set is written every time too: after a Redis restart without persistence both are gone.
        var set = db.StringSetAsync(_keys.Worker(record.Id), JsonSerializer.Serialize(record), ttl);
        var add = db.SetAddAsync(_keys.Workers, record.Id);
        await Task.WhenAll(set, add).ConfigureAwait(false);
    }

    /// <summary>Removes the worker's record and announces its departure.</summary>
    public async Task RemoveAsync(string id)
    {
        var db = _redis.GetDatabase();
        await Task.WhenAll(db.KeyDeleteAsync(_keys.Worker(id)), db.SetRemoveAsync(_keys.Workers, id)).ConfigureAwait(false);
        await AnnounceAsync("down", id).ConfigureAwait(false);
    }

    /// <summary>Announces <paramref name="kind"/> (<c>up</c>, <c>changed</c>, <c>down</c>) for worker <paramref name="id"/>.</summary>
    public Task AnnounceAsync(string kind, string id) =>
        _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(_keys.WorkersChanged), kind + ":" + id);

    /// <summary>Every valid live registration, by id. Ids whose record expired are removed from the set on the way.</summary>
    public async Task<IReadOnlyList<WorkerRecord>> ListAsync() => (await ReadAllAsync().ConfigureAwait(false)).Records;

    /// <summary>
    /// Every valid live registration, by id, and the records skipped as invalid (a field missing, an
    /// address that is not http or https, say) with why. Ids whose record expired are removed from the set on the way.
    /// </summary>
    public async Task<RecordsRead<WorkerRecord>> ReadAllAsync()
    {
        var db = _redis.GetDatabase();
        var ids = await db.SetMembersAsync(_keys.Workers).ConfigureAwait(false);
        if (ids.Length == 0)
        {
            return new RecordsRead<WorkerRecord>([], []);
        }
        var keys = new RedisKey[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            keys[i] = _keys.Worker(ids[i]!);
        }
        var values = await db.StringGetAsync(keys).ConfigureAwait(false);
        var records = new List<WorkerRecord>(ids.Length);
        var faults = new List<RecordFault>();
        var expired = new List<RedisValue>();
        for (var i = 0; i < ids.Length; i++)
        {
            var id = (string)ids[i]!;
            if (!RedisJson.TryRead<WorkerRecord>(values[i], out var record, out var fault))
            {
                faults.Add(new RecordFault(_keys.Worker(id), fault!));
            }
            else if (record is null)
            {
                expired.Add(ids[i]);
            }
            else if (RecordChecks.Worker(id, record) is { } problem)
            {
                faults.Add(new RecordFault(_keys.Worker(id), problem));
            }
            else
            {
                records.Add(record);
            }
        }
        if (expired.Count > 0)
        {
            await db.SetRemoveAsync(_keys.Workers, expired.ToArray()).ConfigureAwait(false);
        }
        records.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        return new RecordsRead<WorkerRecord>(records, faults);
    }

    /// <summary>The versions of <paramref name="model"/> that ready workers serve, oldest first.</summary>
    public static IReadOnlyList<string> VersionsOf(IEnumerable<WorkerRecord> workers, string model) =>
        workers.Where(w => w.Ready).SelectMany(w => w.Models).Where(m => m.Model == model).Select(m => m.Version)
            .Distinct(StringComparer.Ordinal).Order(VersionOrder.Comparer).ToArray();
}
