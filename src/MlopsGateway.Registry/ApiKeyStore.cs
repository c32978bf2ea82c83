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
    private readonly RedisKeys _keys;

    /// <summary>
    /// A store over <paramref name="redis"/> in namespace <paramref name="keys"/> (<see cref="RedisKeys.Default"/> when null);
    /// <paramref name="time"/> stamps creation times (the system clock when null).
    /// </summary>
    public ApiKeyStore(IConnectionMultiplexer redis, TimeProvider? time = null, RedisKeys? keys = null)
    {
        _redis = redis;
        _time = time ?? TimeProvider.System;
        _keys = keys ?? RedisKeys.Default;
    }

    /// <summary>Shortest custom secret accepted: a shorter one's unsalted SHA-256, read from a Redis dump, is cracked by brute force.</summary>
    public const int MinimumSecretLength = 32;

    /// <summary>Who a change is recorded as made by when the caller names no one: the OS user.</summary>
    public static string DefaultActor => Environment.UserName;

    /// <summary>
    /// Creates a key allowed for <paramref name="models"/>. The returned secret is the only copy:
    /// only its hash is stored. The creation is recorded in <see cref="RedisKeys.ApiKeysAudit"/>.
    /// </summary>
    /// <param name="name">A label for the key.</param>
    /// <param name="models">Models the key may call; empty means every model.</param>
    /// <param name="secret">A secret to use instead of a random one (a demo key, say), at least <see cref="MinimumSecretLength"/> characters.</param>
    /// <param name="ratePerSecond">Sustained requests per second allowed; null for no limit.</param>
    /// <param name="burst">Requests allowed at once (the bucket's size); null: the rate rounded up.</param>
    /// <param name="maxInFlight">Requests a gateway forwards for the key at once; null for no limit.</param>
    /// <param name="by">Who creates it, for the audit trail; null: <see cref="DefaultActor"/>.</param>
    /// <param name="scopes">What it may do (<see cref="KeyScopes"/>); null: <see cref="KeyScopes.Default"/>.</param>
    /// <exception cref="ArgumentException">The secret is too short, a limit is out of range, or a scope is unknown.</exception>
    public async Task<(ApiKeyRecord Record, string Secret)> CreateAsync(
        string name, IReadOnlyList<string> models, string? secret = null, double? ratePerSecond = null, int? burst = null,
        int? maxInFlight = null, string? by = null, IReadOnlyList<string>? scopes = null)
    {
        CheckScopes(scopes ??= KeyScopes.Default);
        CheckQuota(ratePerSecond, burst);
        CheckMaxInFlight(maxInFlight);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        CheckSecret(secret);
        secret ??= ApiKeyHasher.NewSecret();
        var record = new ApiKeyRecord(
            ApiKeyHasher.NewId(),
            name,
            ApiKeyHasher.Hash(secret),
            models.Count == 0 ? [ApiKeyRecord.AllModels] : models.ToArray(),
            _time.GetUtcNow(),
            ratePerSecond,
            burst,
            maxInFlight,
            KeyScopes.Normalise(scopes));

        // Re-creating an existing secret replaces its record: the hash is the identity of a secret.
        var transaction = _redis.GetDatabase().CreateTransaction();
        _ = transaction.HashSetAsync(_keys.ApiKeys, record.Hash, JsonSerializer.Serialize(record));
        _ = transaction.StringIncrementAsync(_keys.Generation);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        await AuditAsync(ApiKeyChange.Created, record, by).ConfigureAwait(false);
        await PublishChangeAsync(record.Id).ConfigureAwait(false);
        return (record, secret);
    }

    /// <summary>Refuses a custom secret shorter than <see cref="MinimumSecretLength"/> (without echoing it: it is a secret).</summary>
    /// <exception cref="ArgumentException">It is shorter.</exception>
    public static void CheckSecret(string? secret)
    {
        if (secret is not null && secret.Length < MinimumSecretLength)
        {
            throw new ArgumentException(
                $"An API key must be at least {MinimumSecretLength} characters long (the one given has {secret.Length}); leave it out for a random one.", nameof(secret));
        }
    }

    /// <summary>Refuses scopes that are not <see cref="KeyScopes.Known"/>, or none at all.</summary>
    /// <exception cref="ArgumentException">One is unknown, or none is given.</exception>
    public static void CheckScopes(IReadOnlyList<string> scopes)
    {
        if (KeyScopes.Problem(scopes) is { } problem)
        {
            throw new ArgumentException($"The key's scopes are refused: {problem}.", nameof(scopes));
        }
    }

    /// <summary>Refuses a limit of requests in flight under 1.</summary>
    /// <exception cref="ArgumentException">It is under 1.</exception>
    public static void CheckMaxInFlight(int? maxInFlight)
    {
        if (maxInFlight is < 1)
        {
            throw new ArgumentException($"The limit of requests in flight must be at least 1, not {maxInFlight}.", nameof(maxInFlight));
        }
    }

    /// <summary>
    /// Sets the rate, burst and limit in flight of the key with id <paramref name="id"/> (null removes
    /// each); null when there is no such key. Recorded in <see cref="RedisKeys.ApiKeysAudit"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    /// <exception cref="InvalidOperationException">The key changed meanwhile; nothing was changed.</exception>
    public async Task<ApiKeyRecord?> UpdateQuotaAsync(string id, double? ratePerSecond, int? burst, int? maxInFlight, string? by = null)
    {
        CheckQuota(ratePerSecond, burst);
        CheckMaxInFlight(maxInFlight);
        if ((await ListAsync().ConfigureAwait(false)).FirstOrDefault(r => r.Id == id) is not { } current)
        {
            return null;
        }
        var db = _redis.GetDatabase();
        var stored = await db.HashGetAsync(_keys.ApiKeys, current.Hash).ConfigureAwait(false);
        if (stored.IsNull)
        {
            // Revoked since it was listed: writing it would bring it back.
            return null;
        }
        var updated = current with { RatePerSecond = ratePerSecond, Burst = burst, MaxInFlight = maxInFlight };
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.HashEqual(_keys.ApiKeys, current.Hash, stored));
        _ = transaction.HashSetAsync(_keys.ApiKeys, current.Hash, JsonSerializer.Serialize(updated));
        _ = transaction.StringIncrementAsync(_keys.Generation);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Key {id} changed (or was revoked) while its quota was being changed; try again.");
        }
        await AuditAsync(ApiKeyChange.QuotaChanged, updated, by).ConfigureAwait(false);
        await PublishChangeAsync(id).ConfigureAwait(false);
        return updated;
    }

    /// <summary>The latest <paramref name="count"/> key changes, newest first.</summary>
    public Task<IReadOnlyList<ApiKeyChange>> HistoryAsync(int count = 20) =>
        AuditTrail.LatestAsync<ApiKeyChange>(_redis.GetDatabase(), _keys.ApiKeysAudit, count);

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
        var entries = await _redis.GetDatabase().HashGetAllAsync(_keys.ApiKeys).ConfigureAwait(false);
        var (records, faults) = RedisJson.ReadFields<ApiKeyRecord>(entries, field => RecordChecks.ApiKeyLocation(_keys, field), RecordChecks.ApiKey);
        records.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return new RecordsRead<ApiKeyRecord>(records, faults);
    }

    /// <summary>
    /// Removes the keys whose id or name is <paramref name="idOrName"/>, each recorded in
    /// <see cref="RedisKeys.ApiKeysAudit"/> as revoked by <paramref name="by"/> (null: <see cref="DefaultActor"/>); returns those removed.
    /// </summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> RevokeAsync(string idOrName, string? by = null)
    {
        var removed = (await ListAsync().ConfigureAwait(false)).Where(r => r.Id == idOrName || r.Name == idOrName).ToList();
        if (removed.Count > 0)
        {
            var transaction = _redis.GetDatabase().CreateTransaction();
            _ = transaction.HashDeleteAsync(_keys.ApiKeys, [.. removed.Select(r => (RedisValue)r.Hash)]);
            _ = transaction.StringIncrementAsync(_keys.Generation);
            await transaction.ExecuteAsync().ConfigureAwait(false);
        }
        foreach (var record in removed)
        {
            await AuditAsync(ApiKeyChange.Revoked, record, by).ConfigureAwait(false);
            await PublishChangeAsync(record.Id).ConfigureAwait(false);
        }
        return removed;
    }

    private Task AuditAsync(string action, ApiKeyRecord record, string? by)
    {
        var change = ApiKeyChange.Of(action, record, string.IsNullOrWhiteSpace(by) ? DefaultActor : by, _time.GetUtcNow());
        return AuditTrail.AppendAsync(_redis.GetDatabase(), _keys.ApiKeysAudit, JsonSerializer.Serialize(change),
            new NameValueEntry("action", action), new NameValueEntry("key_id", record.Id), new NameValueEntry("by", change.By));
    }

    private Task PublishChangeAsync(string id) =>
        _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(_keys.ApiKeysChanged), id);
}
