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
/// <param name="redis">The connection.</param>
/// <param name="time">Stamps audit entries; the system clock when null.</param>
/// <param name="keys">The namespace; <see cref="RedisKeys.Default"/> when null.</param>
public sealed class RegistryRestore(IConnectionMultiplexer redis, TimeProvider? time = null, RedisKeys? keys = null)
{
    private readonly RedisKeys _keys = keys ?? RedisKeys.Default;
    private readonly RouteStore _routes = new(redis, time, keys);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The change count now; 0 when there is none.</summary>
    public async Task<long> ReadGenerationAsync() =>
        (long?)await redis.GetDatabase().StringGetAsync(_keys.Generation).ConfigureAwait(false) ?? 0;

    /// <summary>Starts the count at 1 where keys or routes exist without one (written before it was kept).</summary>
    public async Task<long> StartGenerationAsync()
    {
        var db = redis.GetDatabase();
        await db.StringSetAsync(_keys.Generation, 1, when: When.NotExists).ConfigureAwait(false);
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
        // Held records that cannot be read (null) count as neither the same nor newer.
        var heldKeys = await ReadAllAsync<ApiKeyRecord>(db, _keys.ApiKeys).ConfigureAwait(false);
        var heldRoutes = await ReadAllAsync<RouteRecord>(db, _keys.Routes).ConfigureAwait(false);
        var wantedKeys = keys.ToDictionary(k => k.Hash);
        var wantedRoutes = routes.ToDictionary(r => r.Model);
        var keysWritten = keys.Where(k => heldKeys.GetValueOrDefault(k.Hash) is var held && !Same(held, k) && !(held?.CreatedAt > readAt)).ToList();
        var keysRemoved = heldKeys.Where(k => !wantedKeys.ContainsKey(k.Key) && !(k.Value?.CreatedAt > readAt)).Select(k => k.Key).ToList();
        var routesWritten = routes.Where(r => heldRoutes.GetValueOrDefault(r.Model) is var held && !Same(held, r) && !(held?.UpdatedAt > readAt)).ToList();
        var routesRemoved = heldRoutes.Where(r => !wantedRoutes.ContainsKey(r.Key) && !(r.Value?.UpdatedAt > readAt)).Select(r => r.Key).ToList();

        var transaction = db.CreateTransaction();
        transaction.AddCondition(read == 0 ? Condition.KeyNotExists(_keys.Generation) : Condition.StringEqual(_keys.Generation, read));
        foreach (var key in keysWritten)
        {
            _ = transaction.HashSetAsync(_keys.ApiKeys, key.Hash, JsonSerializer.Serialize(key));
        }
        foreach (var hash in keysRemoved)
        {
            _ = transaction.HashDeleteAsync(_keys.ApiKeys, hash);
        }
        foreach (var route in routesWritten)
        {
            _ = transaction.HashSetAsync(_keys.Routes, route.Model, JsonSerializer.Serialize(route));
        }
        foreach (var model in routesRemoved)
        {
            _ = transaction.HashDeleteAsync(_keys.Routes, model);
        }
        _ = transaction.StringSetAsync(_keys.Generation, restoreTo);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            return null;
        }

        var now = _time.GetUtcNow();
        foreach (var model in routesWritten.Select(r => r.Model).Concat(routesRemoved))
        {
            await _routes.RecordAsync(new RouteChange(model, by, now, heldRoutes.GetValueOrDefault(model), wantedRoutes.GetValueOrDefault(model)))
                .ConfigureAwait(false);
        }
        if (keysWritten.Count + keysRemoved.Count > 0)
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(_keys.ApiKeysChanged), "restored").ConfigureAwait(false);
        }
        return new RestoredChanges(keysWritten.Count, keysRemoved.Count, routesWritten.Count, routesRemoved.Count);
    }

    /// <summary>Every record of a hash by field; null where one cannot be read.</summary>
    private static async Task<Dictionary<string, T?>> ReadAllAsync<T>(IDatabase db, string hash) where T : class =>
        (await db.HashGetAllAsync(hash).ConfigureAwait(false)).ToDictionary(e => (string)e.Name!, e => RedisJson.Read<T>(e.Value));

    /// <summary>Whether a held record is the one wanted; compared as stored, since records hold arrays.</summary>
    private static bool Same<T>(T? held, T wanted) where T : class =>
        held is not null && JsonSerializer.Serialize(held) == JsonSerializer.Serialize(wanted);
}
