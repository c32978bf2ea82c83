using System.Collections.Frozen;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Everything a gateway reads from Redis, held in memory and replaced whole: the keys, the routes
/// and the workers. Requests read the current one without locks and never touch Redis.
/// </summary>
internal sealed class GatewaySnapshot
{
    public GatewaySnapshot(ApiKeyTable keys, IEnumerable<RouteRecord> routes, IReadOnlyList<WorkerRecord> workers, DateTimeOffset loadedAt)
    {
        Keys = keys;
        Routes = routes.ToFrozenDictionary(r => r.Model, StringComparer.Ordinal);
        Workers = workers;
        LoadedAt = loadedAt;
    }

    /// <summary>Nothing loaded yet: every caller is refused, no worker is known.</summary>
    public static GatewaySnapshot Empty { get; } = new(ApiKeyTable.Empty, [], [], DateTimeOffset.MinValue);

    /// <summary>The API keys.</summary>
    public ApiKeyTable Keys { get; }

    /// <summary>Routes by model name.</summary>
    public FrozenDictionary<string, RouteRecord> Routes { get; }

    /// <summary>Registered workers (ready or not), by id.</summary>
    public IReadOnlyList<WorkerRecord> Workers { get; }

    /// <summary>When this snapshot was read.</summary>
    public DateTimeOffset LoadedAt { get; }
}
