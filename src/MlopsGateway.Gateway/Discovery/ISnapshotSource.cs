using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>Where the snapshot is read from and written back to: Redis in a gateway, a fake in tests.</summary>
internal interface ISnapshotSource
{
    /// <summary>Everything at once: keys, routes, workers and the change count.</summary>
    Task<SnapshotRead> ReadAsync();

    /// <summary>
    /// Writes <paramref name="keys"/> and <paramref name="routes"/> (read at <paramref name="readAt"/>) back
    /// and sets the count to <paramref name="restoreTo"/>, provided it is still <paramref name="read"/>;
    /// null when it changed meanwhile.
    /// </summary>
    Task<RestoredChanges?> RestoreAsync(
        IReadOnlyCollection<ApiKeyRecord> keys, IReadOnlyCollection<RouteRecord> routes, DateTimeOffset readAt, long read, long restoreTo);

    /// <summary>Starts the change count where keys or routes exist without one; the count then.</summary>
    Task<long> StartGenerationAsync();
}

/// <summary>
/// One whole read of the source; <c>Generation</c> is the change count (<see cref="RedisKeys.Generation"/>), 0 when there is none;
/// <c>Faults</c>: the invalid records left out of it; <c>Catalog</c>: the registry's aliases and deprecations (null: none).
/// </summary>
internal sealed record SnapshotRead(
    IReadOnlyList<ApiKeyRecord> Keys, IReadOnlyList<RouteRecord> Routes, IReadOnlyList<WorkerRecord> Workers, long Generation,
    IReadOnlyList<RecordFault>? Faults = null, ModelCatalog? Catalog = null);
