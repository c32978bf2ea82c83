using System.Text.Json;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>What <see cref="RegistryRestore.RestoreAsync"/> changed in Redis.</summary>
public sealed record RestoredChanges(int KeysWritten, int KeysRemoved, int RoutesWritten, int RoutesRemoved);

/// <summary>
/// The change count (<see cref="RedisKeys.Generation"/>) and putting back changes Redis lost: when
/// it restarted empty or from an older save, a gateway that has seen a higher count writes the keys
/// and routes it holds back over what Redis has.
/// </summary>
public sealed class RegistryRestore(IConnectionMultiplexer redis, TimeProvider? time = null)
{
    private readonly RouteStore _routes = new(redis, time);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The change count now; 0 when there is none.</summary>
    public async Task<long> ReadGenerationAsync() =>
        (long?)await redis.GetDatabase().StringGetAsync(RedisKeys.Generation).ConfigureAwait(false) ?? 0;

    /// <summary>Starts the count at 1 where keys or routes exist without one (written before it was kept).</summary>
    public async Task<long> StartGenerationAsync()
    {
        var db = redis.GetDatabase();
        await db.StringSetAsync(RedisKeys.Generation, 1, when: When.NotExists).ConfigureAwait(false);
        return await ReadGenerationAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Makes the keys and routes in Redis those given, read at <paramref name="readAt"/> (adding,
    /// replacing and removing), and the count <paramref name="restoreTo"/>, provided the count is still
    /// <paramref name="read"/>: null when it changed meanwhile (a change or another gateway's restore
    /// came first). A key created or a route changed after <paramref name="readAt"/> is newer than what
    /// was given and stays. Each route written or removed is audited, by <paramref name="by"/>, and
    /// every change is announced.
    /// </summary>
    public async Task<RestoredChanges?> RestoreAsync(
        IReadOnlyCollection<ApiKeyRecord> keys, IReadOnlyCollection<RouteRecord> routes, DateTimeOffset readAt, long read, long restoreTo, string by)
    {
        var db = redis.GetDatabase();
        var heldKeys = (await db.HashGetAllAsync(RedisKeys.ApiKeys).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        var heldRoutes = (await db.HashGetAllAsync(RedisKeys.Routes).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => (string?)e.Value);
        var wantedKeys = keys.ToDictionary(k => k.Hash, k => JsonSerializer.Serialize(k));
        var wantedRoutes = routes.ToDictionary(r => r.Model, r => JsonSerializer.Serialize(r));
        bool KeyIsNewer(string? json) => RedisJson.Read<ApiKeyRecord>(json) is { } held && held.CreatedAt > readAt;
        bool RouteIsNewer(string? json) => RedisJson.Read<RouteRecord>(json) is { } held && held.UpdatedAt > readAt;
        var keysWritten = wantedKeys.Where(k => heldKeys.GetValueOrDefault(k.Key) is var held && !Same<ApiKeyRecord>(held, k.Value) && !KeyIsNewer(held)).ToList();
        var keysRemoved = heldKeys.Where(k => !wantedKeys.ContainsKey(k.Key) && !KeyIsNewer(k.Value)).Select(k => k.Key).ToList();
        var routesWritten = wantedRoutes.Where(r => heldRoutes.GetValueOrDefault(r.Key) is var held && !Same<RouteRecord>(held, r.Value) && !RouteIsNewer(held)).ToList();
        var routesRemoved = heldRoutes.Where(r => !wantedRoutes.ContainsKey(r.Key) && !RouteIsNewer(r.Value)).Select(r => r.Key).ToList();

        var transaction = db.CreateTransaction();
        transaction.AddCondition(read == 0 ? Condition.KeyNotExists(RedisKeys.Generation) : Condition.StringEqual(RedisKeys.Generation, read));
        foreach (var (hash, json) in keysWritten)
        {
            _ = transaction.HashSetAsync(RedisKeys.ApiKeys, hash, json);
        }
        foreach (var hash in keysRemoved)
        {
            _ = transaction.HashDeleteAsync(RedisKeys.ApiKeys, hash);
        }
        foreach (var (model, json) in routesWritten)
        {
            _ = transaction.HashSetAsync(RedisKeys.Routes, model, json);
        }
        foreach (var model in routesRemoved)
        {
            _ = transaction.HashDeleteAsync(RedisKeys.Routes, model);
        }
        _ = transaction.StringSetAsync(RedisKeys.Generation, restoreTo);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var subscriber = redis.GetSubscriber();
        foreach (var model in routesWritten.Select(r => r.Key).Concat(routesRemoved))
        {
            var before = RedisJson.Read<RouteRecord>(heldRoutes.GetValueOrDefault(model));
            var after = wantedRoutes.TryGetValue(model, out var json) ? RedisJson.Read<RouteRecord>(json) : null;
            await _routes.AppendAuditAsync(new RouteChange(model, by, now, before, after)).ConfigureAwait(false);
            await subscriber.PublishAsync(RedisChannel.Literal(RedisKeys.RoutesChanged), model).ConfigureAwait(false);
        }
        if (keysWritten.Count + keysRemoved.Count > 0)
        {
            await subscriber.PublishAsync(RedisChannel.Literal(RedisKeys.ApiKeysChanged), "restored").ConfigureAwait(false);
        }
        return new RestoredChanges(keysWritten.Count, keysRemoved.Count, routesWritten.Count, routesRemoved.Count);
    }

    /// <summary>Whether stored JSON holds the same record as <paramref name="json"/> (both written by this project).</summary>
    private static bool Same<T>(string? held, string json) where T : class =>
        held is not null && RedisJson.Read<T>(held) is { } record && JsonSerializer.Serialize(record) == json;
}
