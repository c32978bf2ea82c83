using System.Text.Json;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Versions;

/// <summary>
/// Merges counted calls into the registry's callers hashes (one per model version; field: the
/// caller's key id; value: <c>{"count": N, "lastSeen": unix ms}</c>). Many gateways merge into the
/// same hash, so each key is written in a transaction conditioned on the fields it read: a merge
/// that lost a race reads again, and counts are added, never overwritten. The keys of one flush go
/// out together (pipelined), not one round trip after another.
/// </summary>
internal sealed class CallerStore(IConnectionMultiplexer redis, Func<string, string, string> callersKey)
{
    private const int MaxAttempts = 5;

    /// <summary>Merges <paramref name="counts"/>; returns those that could not be written (Redis away, or racing too long).</summary>
    public async Task<IReadOnlyList<CallerCount>> MergeAsync(IReadOnlyList<CallerCount> counts)
    {
        var failed = new List<CallerCount>();
        var merges = counts.GroupBy(c => (c.Model, c.Version)).Select(async group =>
        {
            try
            {
                if (!await MergeKeyAsync(callersKey(group.Key.Model, group.Key.Version), group.ToArray()).ConfigureAwait(false))
                {
                    lock (failed)
                    {
                        failed.AddRange(group);
                    }
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                lock (failed)
                {
                    failed.AddRange(group);
                }
            }
        });
        await Task.WhenAll(merges).ConfigureAwait(false);
        return failed;
    }

    private async Task<bool> MergeKeyAsync(string key, IReadOnlyList<CallerCount> counts)
    {
        var db = redis.GetDatabase();
        var fields = counts.Select(c => (RedisValue)c.Caller).ToArray();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await db.HashGetAsync(key, fields).ConfigureAwait(false);
            var transaction = db.CreateTransaction();
            var entries = new HashEntry[counts.Count];
            for (var i = 0; i < counts.Count; i++)
            {
                transaction.AddCondition(current[i].IsNull ? Condition.HashNotExists(key, fields[i]) : Condition.HashEqual(key, fields[i], current[i]));
                var before = Read(current[i]);
                entries[i] = new HashEntry(fields[i], JsonSerializer.Serialize(new ModelCallerUse(before.Count + counts[i].Count, Math.Max(before.LastSeen, counts[i].LastSeen))));
            }
            _ = transaction.HashSetAsync(key, entries);
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>An entry as stored; one that cannot be read (written by hand) starts again from zero rather than stopping the merge.</summary>
    internal static ModelCallerUse Read(RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return new ModelCallerUse(0, 0);
        }
        try
        {
            return JsonSerializer.Deserialize<ModelCallerUse>((string)value!) is { Count: >= 0 } entry ? entry : new ModelCallerUse(0, 0);
        }
        catch (JsonException)
        {
            return new ModelCallerUse(0, 0);
        }
    }
}
