using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Holds the gateway's <see cref="GatewaySnapshot"/>. Everything is read whole from Redis at start,
/// again whenever a change channel (keys, routes, workers) fires or the connection is restored, and
/// on a timer as a safety net for missed messages; each read replaces the snapshot atomically.
/// While Redis is down the last snapshot keeps serving (logged once); it resyncs by itself. When
/// Redis comes back having lost changes (restarted empty, or from an older save: its
/// <see cref="RedisKeys.Generation"/> is below the one last read), the keys and routes of the last
/// snapshot are written back before it is read again, so callers are not refused and a revoked key
/// or a rolled-back route does not return.
/// </summary>
internal sealed class SnapshotCache : BackgroundService
{
    // Who restored routes, in their audit entries.
    private static readonly string s_restoredBy = $"gateway on {Environment.MachineName} (Redis lost changes)";

    private readonly IConnectionMultiplexer _redis;
    private readonly ApiKeyStore _keys;
    private readonly RouteStore _routes;
    private readonly WorkerStore _workers;
    private readonly RegistryRestore _restore;
    private readonly GatewayMetrics _metrics;
    private readonly GatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SnapshotCache> _logger;
    private readonly SemaphoreSlim _reloadSignal = new(0, 1);
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, (WorkerRecord Record, DateTimeOffset SeenAt)> _seen = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _departed = new(StringComparer.Ordinal);
    private volatile GatewaySnapshot _current = GatewaySnapshot.Empty;
    private bool _redisDown;
    // The change count (RedisKeys.Generation) when last read.
    private long _generation;

    public SnapshotCache(
        IConnectionMultiplexer redis, IOptions<GatewayOptions> options, GatewayMetrics metrics, ILogger<SnapshotCache> logger, TimeProvider? time = null)
    {
        _metrics = metrics;
        _redis = redis;
        _keys = new ApiKeyStore(redis);
        _routes = new RouteStore(redis);
        _workers = new WorkerStore(redis);
        _restore = new RegistryRestore(redis, time);
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The current snapshot.</summary>
    public GatewaySnapshot Current => _current;

    /// <summary>Whether Redis has been read at least once.</summary>
    public bool IsLoaded => _firstLoad.Task.IsCompleted;

    /// <summary>Completes once the first read from Redis has succeeded.</summary>
    public Task FirstLoad => _firstLoad.Task;

    /// <summary>Raised after each successful read, with the new snapshot.</summary>
    public event Action<GatewaySnapshot>? Changed;

    /// <summary>Re-reads everything now; returns false when Redis could not be read.</summary>
    public async Task<bool> ReloadAsync()
    {
        await _reloadLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var (keys, routes, workers, generation) = await ReadAsync().ConfigureAwait(false);
            // A lower change count than this gateway has seen: Redis lost changes (restarted empty or
            // from an older save). Callers keep the last snapshot while it is written back; when
            // another gateway or a change comes first, read again and decide again.
            for (var attempt = 0; attempt < 3 && generation < _generation && (_current.Keys.Count > 0 || _current.Routes.Count > 0); attempt++)
            {
                var restored = await _restore.RestoreAsync(
                        _current.Keys.Records, _current.Routes.Values, _current.LoadedAt, generation, _generation, s_restoredBy)
                    .ConfigureAwait(false);
                if (restored is not null)
                {
                    GatewayLog.RedisChangesRestored(_logger, generation, _generation,
                        restored.KeysWritten, restored.KeysRemoved, restored.RoutesWritten, restored.RoutesRemoved);
                    _metrics.RedisRestored();
                }
                (keys, routes, workers, generation) = await ReadAsync().ConfigureAwait(false);
            }
            if (generation == 0 && (keys.Count > 0 || routes.Count > 0))
            {
                generation = await _restore.StartGenerationAsync().ConfigureAwait(false);
            }
            _generation = generation;

            var now = _time.GetUtcNow();
            var snapshot = new GatewaySnapshot(new ApiKeyTable(keys), routes, MergeWorkers(workers, now), now);
            var previous = _current;
            _current = snapshot;
            if (_redisDown)
            {
                _redisDown = false;
                GatewayLog.RedisRecovered(_logger);
            }
            if (_firstLoad.TrySetResult())
            {
                GatewayLog.KeysLoaded(_logger, snapshot.Keys.Count);
            }
            if (!SameTopology(previous, snapshot))
            {
                GatewayLog.SnapshotChanged(_logger, snapshot.Routes.Count, snapshot.Workers.Count, snapshot.Workers.Count(w => w.Ready));
            }
            Changed?.Invoke(snapshot);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            if (!_redisDown)
            {
                _redisDown = true;
                GatewayLog.RedisUnavailable(_logger, ex);
            }
            return false;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    private async Task<(IReadOnlyList<ApiKeyRecord> Keys, IReadOnlyList<RouteRecord> Routes, IReadOnlyList<WorkerRecord> Workers, long Generation)> ReadAsync()
    {
        var keys = _keys.ListAsync();
        var routes = _routes.ListAsync();
        var workers = _workers.ListAsync();
        var generation = _restore.ReadGenerationAsync();
        await Task.WhenAll(keys, routes, workers, generation).ConfigureAwait(false);
        return (keys.Result, routes.Result, workers.Result, generation.Result);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribe before the first read so a change made in between is not missed.
        var subscriber = _redis.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal(RedisKeys.ApiKeysChanged), (_, _) => Signal()).ConfigureAwait(false);
        await subscriber.SubscribeAsync(RedisChannel.Literal(RedisKeys.RoutesChanged), (_, _) => Signal()).ConfigureAwait(false);
        await subscriber.SubscribeAsync(RedisChannel.Literal(RedisKeys.WorkersChanged), (_, message) =>
        {
            var text = (string?)message ?? "";
            if (text.StartsWith("down:", StringComparison.Ordinal))
            {
                _departed[text[5..]] = 0;
            }
            Signal();
        }).ConfigureAwait(false);
        _redis.ConnectionRestored += OnConnectionRestored;
        await ReloadAsync().ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Until the first read succeeds, retry every second; after it, the timer is a safety net.
                var wait = IsLoaded && !_redisDown ? _options.RefreshInterval : TimeSpan.FromSeconds(1);
                await _reloadSignal.WaitAsync(wait, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await ReloadAsync().ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _reloadSignal.Dispose();
        _reloadLock.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// The workers read now, plus those read before and missing now for less than the grace period
    /// (unless they announced leaving): a Redis restart that lost the records must not empty the pool
    /// before the workers' next heartbeat. A dead worker kept this way fails its health checks.
    /// </summary>
    private IReadOnlyList<WorkerRecord> MergeWorkers(IReadOnlyList<WorkerRecord> read, DateTimeOffset now)
    {
        foreach (var id in _departed.Keys)
        {
            _departed.TryRemove(id, out _);
            _seen.Remove(id);
        }
        foreach (var worker in read)
        {
            _seen[worker.Id] = (worker, now);
        }
        foreach (var (id, entry) in _seen.ToArray())
        {
            if (now - entry.SeenAt > _options.WorkerGracePeriod)
            {
                _seen.Remove(id);
            }
        }
        return _seen.Values.Select(e => e.Record).OrderBy(w => w.Id, StringComparer.Ordinal).ToArray();
    }

    private static bool SameTopology(GatewaySnapshot a, GatewaySnapshot b) =>
        a.Routes.Count == b.Routes.Count
        && a.Routes.All(r => b.Routes.TryGetValue(r.Key, out var other) && other == r.Value)
        && a.Workers.Count == b.Workers.Count
        && a.Workers.Zip(b.Workers).All(p => p.First.Id == p.Second.Id && p.First.SameOffer(p.Second));

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Signal();

    private void Signal()
    {
        try
        {
            _reloadSignal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A reload is already pending; it will see this change too.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
