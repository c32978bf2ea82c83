using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Reads a new snapshot and decides whether Redis lost changes. Redis counts changes
/// (<see cref="RedisKeys.Generation"/>); a count below the one last read means it restarted empty
/// or from an older save, so the keys and routes of the last snapshot are written back before it
/// is read again: callers are not refused and a revoked key or a rolled-back route does not
/// return. When another gateway or a change comes first, it reads again and decides again (three
/// times at most). Keys or routes without a count start one. Free of DI and of Redis.
/// </summary>
internal sealed class SnapshotLoader(ISnapshotSource source, WorkerGrace workers, TimeProvider time)
{
    private const int RestoreAttempts = 3;

    // The change count when last read.
    private long _generation;

    /// <summary>The change count of the last load.</summary>
    public long Generation => _generation;

    /// <summary>Reads the snapshot that follows <paramref name="current"/>; throws what the source throws.</summary>
    public async Task<SnapshotLoad> LoadAsync(GatewaySnapshot current)
    {
        var read = await source.ReadAsync().ConfigureAwait(false);
        List<Restoration>? restorations = null;
        for (var attempt = 0; attempt < RestoreAttempts && read.Generation < _generation && (current.Keys.Count > 0 || current.StoredRoutes.Count > 0); attempt++)
        {
            var restored = await source.RestoreAsync(current.Keys.Records, current.StoredRoutes, current.LoadedAt, read.Generation, _generation)
                .ConfigureAwait(false);
            if (restored is not null)
            {
                (restorations ??= []).Add(new Restoration(read.Generation, _generation, restored));
            }
            read = await source.ReadAsync().ConfigureAwait(false);
        }
        var generation = read.Generation;
        if (generation == 0 && (read.Keys.Count > 0 || read.Routes.Count > 0))
        {
            generation = await source.StartGenerationAsync().ConfigureAwait(false);
        }
        _generation = generation;
        var now = time.GetUtcNow();
        List<RecordFault> faults = [.. read.Faults ?? []];
        var merged = workers.Merge(read.Workers, now);
        var snapshot = new GatewaySnapshot(new ApiKeyTable(read.Keys), read.Routes, merged.Workers, now, read.Catalog, faults, merged.Held);
        return new SnapshotLoad(snapshot, restorations ?? (IReadOnlyList<Restoration>)[], faults, merged.Changes);
    }
}

/// <summary>
/// A new snapshot, the write-backs done before it was read, the invalid records left out of it, and
/// what became of workers whose record is missing (<see cref="WorkerGrace"/>).
/// </summary>
internal sealed record SnapshotLoad(
    GatewaySnapshot Snapshot, IReadOnlyList<Restoration> Restorations, IReadOnlyList<RecordFault> Faults, IReadOnlyList<WorkerHoldChange> WorkerChanges);

/// <summary>One write-back: Redis had count <paramref name="Read"/> where this gateway had seen <paramref name="Seen"/>.</summary>
internal sealed record Restoration(long Read, long Seen, RestoredChanges Changes);
