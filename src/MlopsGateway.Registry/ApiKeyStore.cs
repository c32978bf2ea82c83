using System.Text.Json;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>
/// API keys in Redis: one hash keyed by the secret's SHA-256, every change announced on
/// <see cref="RedisKeys.ApiKeysChanged"/> so that gateways refresh their in-memory copy.
/// </summary>
public sealed class ApiKeyStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;

    /// <summary>A store over <paramref name="redis"/>; <paramref name="time"/> stamps creation times (the system clock when null).</summary>
    public ApiKeyStore(IConnectionMultiplexer redis, TimeProvider? time = null)
    {
        _redis = redis;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Creates a key allowed for <paramref name="models"/>. The returned secret is the only copy:
    /// only its hash is stored.
    /// </summary>
    /// <param name="name">A label for the key.</param>
    /// <param name="models">Models the key may call; empty means every model.</param>
    /// <param name="secret">A secret to use instead of a random one (a demo key, say).</param>
    /// <param name="ratePerSecond">Sustained requests per second allowed; null for no limit.</param>
    /// <param name="burst">Requests allowed at once (the bucket's size); null: the rate rounded up.</param>
    public async Task<(ApiKeyRecord Record, string Secret)> CreateAsync(
        string name, IReadOnlyList<string> models, string? secret = null, double? ratePerSecond = null, int? burst = null)
    {
        CheckQuota(ratePerSecond, burst);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (secret is not null && secret.Length < 8)
        {
            throw new ArgumentException("An API key must be at least 8 characters long.", nameof(secret));
        }
        secret ??= ApiKeyHasher.NewSecret();
        var record = new ApiKeyRecord(
            ApiKeyHasher.NewId(),
            name,
            ApiKeyHasher.Hash(secret),
            models.Count == 0 ? [ApiKeyRecord.AllModels] : models.ToArray(),
            _time.GetUtcNow(),
            ratePerSecond,
            burst);

        // Re-creating an existing secret replaces its record: the hash is the identity of a secret.
        var transaction = _redis.GetDatabase().CreateTransaction();
        _ = transaction.HashSetAsync(RedisKeys.ApiKeys, record.Hash, JsonSerializer.Serialize(record));
        _ = transaction.StringIncrementAsync(RedisKeys.Generation);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        await PublishChangeAsync(record.Id).ConfigureAwait(false);
        return (record, secret);
    }

    /// <summary>
    /// Refuses a quota no bucket can hold, for keys and for tokens that carry one alike.
    /// </summary>
    /// <exception cref="ArgumentException">The rate is not a positive number, or the burst is under 1.</exception>
    public static void CheckQuota(double? ratePerSecond, int? burst)
    {
        if (ratePerSecond is { } rate && (double.IsNaN(rate) || rate <= 0))
        {
            throw new ArgumentException($"The rate must be a positive number of requests per second, not {rate}.", nameof(ratePerSecond));
        }
        if (burst is < 1)
        {
            throw new ArgumentException($"The burst must be at least 1, not {burst}.", nameof(burst));
        }
    }

    /// <summary>Every valid stored key, oldest first.</summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync() => (await ReadAllAsync().ConfigureAwait(false)).Records;

    /// <summary>Every valid stored key, oldest first, and the records skipped as invalid (a field missing, say) with why.</summary>
    public async Task<RecordsRead<ApiKeyRecord>> ReadAllAsync()
    {
        var entries = await _redis.GetDatabase().HashGetAllAsync(RedisKeys.ApiKeys).ConfigureAwait(false);
        var records = new List<ApiKeyRecord>(entries.Length);
        var faults = new List<RecordFault>();
        foreach (var entry in entries)
        {
            var field = (string)entry.Name!;
            if (!RedisJson.TryRead<ApiKeyRecord>(entry.Value, out var record, out var fault))
            {
                faults.Add(new RecordFault(RecordChecks.ApiKeyLocation(field), fault!));
            }
            else if (record is not null && RecordChecks.ApiKey(field, record) is { } problem)
            {
                faults.Add(new RecordFault(RecordChecks.ApiKeyLocation(field), problem));
            }
            else if (record is not null)
            {
                records.Add(record);
            }
        }
        records.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return new RecordsRead<ApiKeyRecord>(records, faults);
    }

    /// <summary>Removes the keys whose id or name is <paramref name="idOrName"/>; returns those removed.</summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> RevokeAsync(string idOrName)
    {
        var removed = (await ListAsync().ConfigureAwait(false)).Where(r => r.Id == idOrName || r.Name == idOrName).ToList();
        if (removed.Count > 0)
        {
            var transaction = _redis.GetDatabase().CreateTransaction();
            _ = transaction.HashDeleteAsync(RedisKeys.ApiKeys, [.. removed.Select(r => (RedisValue)r.Hash)]);
            _ = transaction.StringIncrementAsync(RedisKeys.Generation);
            await transaction.ExecuteAsync().ConfigureAwait(false);
        }
        foreach (var record in removed)
        {
            await PublishChangeAsync(record.Id).ConfigureAwait(false);
        }
        return removed;
    }

    private Task PublishChangeAsync(string id) =>
        _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(RedisKeys.ApiKeysChanged), id);
}
