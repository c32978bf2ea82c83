using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>What <see cref="LegacyKeys.CopyAsync"/> copied: the keys and routes, and whether the change count and audit trails came too.</summary>
public sealed record LegacyCopy(int Keys, int Routes, bool Generation, int AuditEntries);

/// <summary>
/// The keys of versions before namespaces (<c>mlops:keys</c>, <c>mlops:routes</c>, ...) and their
/// one-time copy into the default namespace (<c>{mlops}:keys</c>, ...), so that an upgraded
/// deployment keeps its API keys, routes, change count and audit trails. Workers are not copied:
/// they register again with their next heartbeat. The old keys are left as they were.
/// </summary>
public static class LegacyKeys
{
    /// <summary>The old prefix.</summary>
    public const string Prefix = "mlops:";

    // Old name → name in the default namespace (the part after "{mlops}:").
    private static readonly (string Old, string New)[] s_copied =
    [
        (Prefix + "keys", "keys"),
        (Prefix + "routes", "routes"),
        (Prefix + "generation", "generation"),
        (Prefix + "keys:audit", "keys:audit"),
        (Prefix + "routes:audit", "routes:audit"),
    ];

    /// <summary>
    /// Copies the old keys into <paramref name="keys"/>' namespace when it is the default one, holds
    /// no keys, routes or change count yet, and old keys exist; null when nothing was copied. Done in
    /// one transaction on the new keys, provided they are still absent, so of several gateways
    /// starting at once one copies.
    /// </summary>
    public static async Task<LegacyCopy?> CopyAsync(IConnectionMultiplexer redis, RedisKeys keys)
    {
        if (keys.Namespace != RedisKeys.DefaultNamespace)
        {
            return null;
        }
        var db = redis.GetDatabase();
        if (await db.KeyExistsAsync(keys.ApiKeys).ConfigureAwait(false) || await db.KeyExistsAsync(keys.Routes).ConfigureAwait(false)
            || await db.KeyExistsAsync(keys.Generation).ConfigureAwait(false))
        {
            return null;
        }
        // One key at a time: on a cluster the old keys lie in slots of their own.
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.KeyNotExists(keys.ApiKeys));
        transaction.AddCondition(Condition.KeyNotExists(keys.Routes));
        transaction.AddCondition(Condition.KeyNotExists(keys.Generation));
        int copiedKeys = 0, copiedRoutes = 0, auditEntries = 0;
        var generation = false;
        foreach (var (old, name) in s_copied)
        {
            var target = keys.Key(name);
            switch ((await db.ExecuteAsync("TYPE", old).ConfigureAwait(false)).ToString())
            {
                case "hash":
                    var fields = await db.HashGetAllAsync(old).ConfigureAwait(false);
                    _ = transaction.HashSetAsync(target, fields);
                    copiedKeys += name == "keys" ? fields.Length : 0;
                    copiedRoutes += name == "routes" ? fields.Length : 0;
                    break;
                case "string":
                    _ = transaction.StringSetAsync(target, await db.StringGetAsync(old).ConfigureAwait(false));
                    generation = true;
                    break;
                case "stream":
                    foreach (var entry in await db.StreamRangeAsync(old).ConfigureAwait(false))
                    {
                        // The same ids: an entry's id is its time.
                        _ = transaction.StreamAddAsync(target, entry.Values, entry.Id);
                        auditEntries++;
                    }
                    break;
                case "list":
                    var items = await db.ListRangeAsync(old).ConfigureAwait(false);
                    _ = transaction.ListRightPushAsync(target, items);
                    auditEntries += items.Length;
                    break;
            }
        }
        if (copiedKeys + copiedRoutes + auditEntries == 0 && !generation)
        {
            return null;
        }
        return await transaction.ExecuteAsync().ConfigureAwait(false) ? new LegacyCopy(copiedKeys, copiedRoutes, generation, auditEntries) : null;
    }
}
