using System.Text.RegularExpressions;

namespace MlopsGateway.Registry;

/// <summary>
/// The Redis key names and channels of one deployment (a namespace): one place, so that every role
/// agrees. Every key and channel starts <c>{namespace}:</c>. The braces are Redis Cluster's hash
/// tag: only what is between them picks the slot, so every key of a deployment lives in one slot
/// and the transactions that change a record and the change count together work on a cluster too.
/// Partial: each feature adds its keys in a file of its own (<c>RedisKeys.Models.cs</c>, say).
/// </summary>
public sealed partial class RedisKeys
{
    /// <summary>The namespace used when none is named.</summary>
    public const string DefaultNamespace = "mlops";

    /// <summary>Longest namespace accepted.</summary>
    public const int MaxNamespaceLength = 48;

    /// <summary>What a namespace may hold, as a refusal says it.</summary>
    public const string NamespaceRule = "1 to 48 characters: lower-case letters, digits, '-', '_' or '.'";

    private readonly string _prefix;

    /// <summary>The keys of namespace <paramref name="namespace"/>.</summary>
    /// <exception cref="ArgumentException">The namespace breaks <see cref="NamespaceRule"/>.</exception>
    public RedisKeys(string @namespace)
    {
        if (NamespaceProblem(@namespace) is { } problem)
        {
            throw new ArgumentException(problem, nameof(@namespace));
        }
        Namespace = @namespace;
        _prefix = "{" + @namespace + "}:";
        ApiKeys = _prefix + "keys";
        ApiKeysChanged = _prefix + "keys:changed";
        ApiKeysAudit = _prefix + "keys:audit";
        Routes = _prefix + "routes";
        RoutesChanged = _prefix + "routes:changed";
        RoutesAudit = _prefix + "routes:audit";
        Generation = _prefix + "generation";
        Workers = _prefix + "workers";
        WorkersChanged = _prefix + "workers:changed";
    }

    /// <summary>The keys of the default namespace, <see cref="DefaultNamespace"/>.</summary>
    public static RedisKeys Default { get; } = new(DefaultNamespace);

    /// <summary>The namespace these keys belong to.</summary>
    public string Namespace { get; }

    /// <summary>What every key and channel of the namespace starts with: <c>{namespace}:</c>.</summary>
    public string Prefix => _prefix;

    /// <summary>Hash: field = key hash, value = <see cref="ApiKeyRecord"/> as JSON.</summary>
    public string ApiKeys { get; }

    /// <summary>Pub/sub channel announcing that the key set changed; the message is the changed key's id.</summary>
    public string ApiKeysChanged { get; }

    /// <summary>
    /// Stream (a capped list on servers without streams, such as the embedded one) of key changes:
    /// created, revoked, quota changed; who, when, the key's id and name, never its secret or hash.
    /// </summary>
    public string ApiKeysAudit { get; }

    /// <summary>Hash: field = model name, value = <see cref="RouteRecord"/> as JSON.</summary>
    public string Routes { get; }

    /// <summary>Pub/sub channel announcing that a route changed; the message is the model name.</summary>
    public string RoutesChanged { get; }

    /// <summary>
    /// Stream (a capped list on servers without streams, such as the embedded one) of route changes:
    /// model, who, when, before and after.
    /// </summary>
    public string RoutesAudit { get; }

    /// <summary>
    /// Integer: the count of changes made to keys and routes, incremented in the same transaction as
    /// each change. It never goes down, so a gateway that reads a lower count than it has seen knows
    /// Redis lost changes (restarted empty, or from an older save) and writes back what it holds.
    /// </summary>
    public string Generation { get; }

    /// <summary>Set of registered worker ids; each id's record lives at <see cref="Worker"/> with a TTL.</summary>
    public string Workers { get; }

    /// <summary>Pub/sub channel announcing worker arrivals, changes and departures: <c>up:ID</c>, <c>changed:ID</c>, <c>down:ID</c>.</summary>
    public string WorkersChanged { get; }

    /// <summary>String key of one worker's <see cref="WorkerRecord"/> (JSON), expiring unless renewed by heartbeats.</summary>
    public string Worker(string id) => _prefix + "worker:" + id;

    /// <summary>A key of this namespace named <paramref name="name"/> (<c>{namespace}:name</c>), for the keys other files add.</summary>
    public string Key(string name) => _prefix + name;

    /// <summary>Why <paramref name="namespace"/> cannot be one (naming <see cref="NamespaceRule"/>), or null when it can.</summary>
    public static string? NamespaceProblem(string? @namespace) =>
        @namespace is not null && NamespacePattern().IsMatch(@namespace)
            ? null
            : $"'{@namespace}' is not a namespace: give {NamespaceRule}, e.g. '{DefaultNamespace}' or 'prod-eu'.";

    /// <inheritdoc/>
    public override string ToString() => Namespace;

    [GeneratedRegex(@"^[a-z0-9._-]{1,48}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamespacePattern();
}
