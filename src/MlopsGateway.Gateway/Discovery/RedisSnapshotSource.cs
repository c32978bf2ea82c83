using Microsoft.Extensions.Logging;
using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>The snapshot's source in Redis, through the registry's stores.</summary>
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

    public RedisSnapshotSource(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time, ILogger<RedisSnapshotSource> logger)
    {
        _redis = redis;
        _names = keys;
        _logger = logger;
        _keys = new ApiKeyStore(redis, keys: keys);
        _routes = new RouteStore(redis, keys: keys);
        _workers = new WorkerStore(redis, keys);
        _restore = new RegistryRestore(redis, time, keys);
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
        await Task.WhenAll(keys, routes, workers, generation).ConfigureAwait(false);
        return new SnapshotRead(keys.Result.Records, routes.Result.Records, workers.Result.Records, generation.Result,
            [.. keys.Result.Faults, .. routes.Result.Faults, .. workers.Result.Faults]);
    }

    public Task<RestoredChanges?> RestoreAsync(
        IReadOnlyCollection<ApiKeyRecord> keys, IReadOnlyCollection<RouteRecord> routes, DateTimeOffset readAt, long read, long restoreTo) =>
        _restore.RestoreAsync(keys, routes, readAt, read, restoreTo, s_restoredBy);

    public Task<long> StartGenerationAsync() => _restore.StartGenerationAsync();
}
