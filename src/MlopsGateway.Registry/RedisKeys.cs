namespace MlopsGateway.Registry;

/// <summary>The Redis key names and channels the project uses: one place, so that every role agrees.</summary>
public static class RedisKeys
{
    /// <summary>Hash: field = key hash, value = <see cref="ApiKeyRecord"/> as JSON.</summary>
    public const string ApiKeys = "mlops:keys";

    /// <summary>Pub/sub channel announcing that the key set changed; the message is the changed key's id.</summary>
    public const string ApiKeysChanged = "mlops:keys:changed";

    /// <summary>
    /// Stream (a capped list on servers without streams, such as the embedded one) of key changes:
    /// created, revoked, quota changed; who, when, the key's id and name, never its secret or hash.
    /// </summary>
    public const string ApiKeysAudit = "mlops:keys:audit";

    /// <summary>Hash: field = model name, value = <see cref="RouteRecord"/> as JSON.</summary>
    public const string Routes = "mlops:routes";

    /// <summary>Pub/sub channel announcing that a route changed; the message is the model name.</summary>
    public const string RoutesChanged = "mlops:routes:changed";

    /// <summary>
    /// Stream (a capped list on servers without streams, such as the embedded one) of route changes:
    /// model, who, when, before and after.
    /// </summary>
    public const string RoutesAudit = "mlops:routes:audit";

    /// <summary>
    /// Integer: the count of changes made to keys and routes, incremented in the same transaction as
    /// each change. It never goes down, so a gateway that reads a lower count than it has seen knows
    /// Redis lost changes (restarted empty, or from an older save) and writes back what it holds.
    /// </summary>
    public const string Generation = "mlops:generation";

    /// <summary>Set of registered worker ids; each id's record lives at <see cref="Worker"/> with a TTL.</summary>
    public const string Workers = "mlops:workers";

    /// <summary>Pub/sub channel announcing worker arrivals, changes and departures: <c>up:ID</c>, <c>changed:ID</c>, <c>down:ID</c>.</summary>
    public const string WorkersChanged = "mlops:workers:changed";

    /// <summary>String key of one worker's <see cref="WorkerRecord"/> (JSON), expiring unless renewed by heartbeats.</summary>
    public static string Worker(string id) => "mlops:worker:" + id;
}
