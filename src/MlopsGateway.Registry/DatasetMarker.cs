using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>
/// The id at <see cref="RedisKeys.Dataset"/> that names the keys and routes held in Redis. Revoking
/// every key or clearing every route leaves it in place; only losing the data removes it, which is
/// how a gateway tells the two apart.
/// </summary>
public sealed class DatasetMarker(IConnectionMultiplexer redis)
{
    /// <summary>The id now set, or null when there is none.</summary>
    public async Task<string?> ReadAsync() =>
        await redis.GetDatabase().StringGetAsync(RedisKeys.Dataset).ConfigureAwait(false);

    /// <summary>Sets the id to <paramref name="id"/> unless one is set already; returns the id set now.</summary>
    public async Task<string> EnsureAsync(string id)
    {
        var db = redis.GetDatabase();
        await db.StringSetAsync(RedisKeys.Dataset, id, when: When.NotExists).ConfigureAwait(false);
        return await db.StringGetAsync(RedisKeys.Dataset).ConfigureAwait(false) is { IsNull: false } now ? now.ToString() : id;
    }
}
