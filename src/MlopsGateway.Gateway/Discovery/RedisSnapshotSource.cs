using Microsoft.Extensions.Logging;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>The snapshot's source in Redis, through the registry's stores (the model registry's aliases and deprecations too).</summary>
internal sealed class RedisSnapshotSource : ISnapshotSource
{
    // Who restored routes, in their audit entries.
    private static readonly string s_restoredBy = $"gateway on {Environment.MachineName} (Redis lost changes)";

    private readonly ApiKeyStore _keys;
    private readonly RouteStore _routes;
    private readonly WorkerStore _workers;
    private readonly RegistryRestore _restore;
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _names;
    private readonly ILogger<RedisSnapshotSource> _logger;
    // Whether the keys of versions before namespaces were looked for; until a read succeeds, each read looks.
    private bool _legacyChecked;
    private readonly RegistryCatalogReader _catalog;

    public RedisSnapshotSource(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time, ILogger<RedisSnapshotSource> logger)
    {
        _redis = redis;
        _names = keys;
        _logger = logger;
        _keys = new ApiKeyStore(redis, keys: keys);
        _routes = new RouteStore(redis, keys: keys);
        _workers = new WorkerStore(redis, keys);
        _restore = new RegistryRestore(redis, time, keys);
        _catalog = new RegistryCatalogReader(new ModelRegistry(redis, time, keys));
    }

    public async Task<SnapshotRead> ReadAsync()
    {
        if (!_legacyChecked)
        {
            if (await LegacyKeys.CopyAsync(_redis, _names).ConfigureAwait(false) is { } copied)
            {
                DiscoveryLog.LegacyKeysCopied(_logger, copied.Keys, copied.Routes, copied.AuditEntries, _names.Prefix);
            }
            _legacyChecked = true;
        }
        var keys = _keys.ReadAllAsync();
        var routes = _routes.ReadAllAsync();
        var workers = _workers.ReadAllAsync();
        var generation = _restore.ReadGenerationAsync();
        var catalog = _catalog.ReadAsync();
        await Task.WhenAll(keys, routes, workers, generation, catalog).ConfigureAwait(false);
        return new SnapshotRead(keys.Result.Records, routes.Result.Records, workers.Result.Records, generation.Result,
            [.. keys.Result.Faults, .. routes.Result.Faults, .. workers.Result.Faults, .. catalog.Result.Faults], catalog.Result.Catalog);
    }

    public Task<RestoredChanges?> RestoreAsync(
        IReadOnlyCollection<ApiKeyRecord> keys, IReadOnlyCollection<RouteRecord> routes, DateTimeOffset readAt, long read, long restoreTo) =>
        _restore.RestoreAsync(keys, routes, readAt, read, restoreTo, s_restoredBy);

    public Task<long> StartGenerationAsync() => _restore.StartGenerationAsync();
}
