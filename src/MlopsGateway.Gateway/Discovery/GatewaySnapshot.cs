using System.Collections.Frozen;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Everything a gateway reads from Redis, held in memory and replaced whole: the keys, the routes,
/// the workers and the registry's aliases and deprecations. Requests read the current one without
/// locks and never touch Redis. Routes that name an alias are resolved here, when the snapshot is
/// built, so that an alias move reaches calls with the next snapshot and costs no lookup per call.
/// </summary>
internal sealed class GatewaySnapshot
{
    public GatewaySnapshot(
        ApiKeyTable keys, IEnumerable<RouteRecord> routes, IReadOnlyList<WorkerRecord> workers, DateTimeOffset loadedAt, ModelCatalog? catalog = null,
        List<RecordFault>? faults = null, IReadOnlySet<string>? held = null)
    {
        Keys = keys;
        Catalog = catalog ?? ModelCatalog.Empty;
        StoredRoutes = routes.ToArray();
        var unresolved = faults ?? [];
        Routes = StoredRoutes.Select(r => Catalog.Resolve(r, unresolved)).ToFrozenDictionary(r => r.Model, StringComparer.Ordinal);
        Workers = workers;
        Held = held ?? FrozenSet<string>.Empty;
        LoadedAt = loadedAt;
    }

    /// <summary>Nothing loaded yet: every caller is refused, no worker is known.</summary>
    public static GatewaySnapshot Empty { get; } = new(ApiKeyTable.Empty, [], [], DateTimeOffset.MinValue);

    /// <summary>The API keys.</summary>
    public ApiKeyTable Keys { get; }

    /// <summary>Routes by model name, aliases resolved to the versions they name now.</summary>
    public FrozenDictionary<string, RouteRecord> Routes { get; }

    /// <summary>The routes as stored, aliases unresolved: what is written back when Redis lost changes.</summary>
    public IReadOnlyList<RouteRecord> StoredRoutes { get; }

    /// <summary>The registry's aliases and deprecations.</summary>
    public ModelCatalog Catalog { get; }

    /// <summary>Registered workers (ready or not), by id.</summary>
    public IReadOnlyList<WorkerRecord> Workers { get; }

    /// <summary>
    /// The ids of <see cref="Workers"/> whose record is missing from Redis, kept while they answer their
    /// health checks (see <see cref="WorkerGrace"/>).
    /// </summary>
    public IReadOnlySet<string> Held { get; }

    /// <summary>When this snapshot was read.</summary>
    public DateTimeOffset LoadedAt { get; }
}
