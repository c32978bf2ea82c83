using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Console.Workers;

/// <summary>A worker as the gateway knows it now.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Address">Where the gateway reaches it.</param>
/// <param name="Ready">Whether it takes calls.</param>
/// <param name="Held">Whether its record is gone from Redis and the gateway keeps it while it answers its health checks.</param>
/// <param name="Models">The versions it serves.</param>
/// <param name="StartedAt">When it registered first.</param>
/// <param name="HeartbeatAt">Its last heartbeat.</param>
/// <param name="Load">Per version, its queue depth and batches over the last heartbeat interval; null when the worker's record has none (an older worker).</param>
internal sealed record WorkerView(string Id, string Address, bool Ready, bool Held, IReadOnlyList<ServedVersion> Models, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt,
    IReadOnlyList<VersionLoad>? Load);

/// <summary>The workers page: the gateway's snapshot of the registered workers (each record validated as it was read).</summary>
internal sealed class WorkersApi(SnapshotCache snapshots)
{
    public IReadOnlyList<WorkerView> List()
    {
        var snapshot = snapshots.Current;
        return [.. snapshot.Workers.OrderBy(w => w.Address, StringComparer.Ordinal)
            .Select(w => new WorkerView(w.Id, w.Address, w.Ready, snapshot.Held.Contains(w.Id), w.Models, w.StartedAt, w.HeartbeatAt, w.Load))];
    }
}
