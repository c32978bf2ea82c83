using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// Holds the gateway's <see cref="GatewaySnapshot"/>. Everything is read whole from Redis at start,
/// again whenever a change channel (keys, routes, workers, the model registry) fires, the connection is restored or (on a cluster) the nodes change, and
/// on a timer as a safety net for missed messages; each read replaces the snapshot atomically.
/// While Redis is down the last snapshot keeps serving (logged once); it resyncs by itself. What a
/// read decides (writing back changes Redis lost, which workers stay) is <see cref="SnapshotLoader"/>'s
/// and <see cref="WorkerGrace"/>'s; this class is the wiring: subscriptions, timer, logs, metrics.
/// </summary>
internal sealed class SnapshotCache : BackgroundService
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly SnapshotLoader _loader;
    private readonly WorkerGrace _grace;
    private readonly GatewayMetrics _metrics;
    private readonly GatewayOptions _options;
    private readonly ILogger<SnapshotCache> _logger;
    private readonly SemaphoreSlim _reloadSignal = new(0, 1);
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile GatewaySnapshot _current = GatewaySnapshot.Empty;
    private bool _redisDown;
    private bool _rebuildFailing;
    // Invalid records already logged: each is logged once, again only after it was fixed and broke anew.
    private HashSet<RecordFault> _reportedFaults = [];

    public SnapshotCache(
        IConnectionMultiplexer redis, RedisKeys keys, ISnapshotSource source, IOptions<GatewayOptions> options, GatewayMetrics metrics,
        ILogger<SnapshotCache> logger, TimeProvider time, IServiceProvider? services = null)
    {
        _redis = redis;
        _keys = keys;
        _options = options.Value;
        // Without YARP's state (a cache built alone) no worker is ever judged: missing ones stay for the grace period.
        var health = services is null ? null : new ActiveWorkerHealth(services);
        _grace = new WorkerGrace(_options.WorkerGracePeriod, _options.WorkerHoldLimit, w => health?.Probe(w) ?? WorkerProbe.Unknown);
        _loader = new SnapshotLoader(source, _grace, time);
        _metrics = metrics;
        _logger = logger;
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
            var load = await _loader.LoadAsync(_current).ConfigureAwait(false);
            ReportFaults(load.Faults);
            ReportWorkers(load.WorkerChanges);
            foreach (var restored in load.Restorations)
            {
                var changes = restored.Changes;
                GatewayLog.RedisChangesRestored(_logger, restored.Read, restored.Seen,
                    changes.KeysWritten, changes.KeysRemoved, changes.RoutesWritten, changes.RoutesRemoved);
                _metrics.RedisRestored();
            }
            var snapshot = load.Snapshot;
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
            _rebuildFailing = false;
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
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever Redis holds, the host must not stop: a gateway serving its last snapshot is better than none.
            if (!_rebuildFailing)
            {
                _rebuildFailing = true;
                DiscoveryLog.SnapshotRebuildFailed(_logger, ex);
            }
            return false;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    private void ReportFaults(IReadOnlyList<RecordFault> faults)
    {
        var now = faults.ToHashSet();
        foreach (var fault in now)
        {
            if (!_reportedFaults.Contains(fault))
            {
                DiscoveryLog.RecordSkipped(_logger, fault.Key, fault.Fault);
            }
        }
        _reportedFaults = now;
    }

    private void ReportWorkers(IReadOnlyList<WorkerHoldChange> changes)
    {
        foreach (var (worker, outcome, missing, wasHeld) in changes)
        {
            if (outcome == WorkerHoldOutcome.Held || wasHeld)
            {
                _metrics.WorkersHeld(outcome == WorkerHoldOutcome.Held ? 1 : -1);
            }
            switch (outcome)
            {
                case WorkerHoldOutcome.Held:
                    DiscoveryLog.WorkerKeptWithoutRecord(_logger, worker.Id, worker.Address, _options.WorkerHoldLimit);
                    break;
                case WorkerHoldOutcome.RecordBack:
                    DiscoveryLog.WorkerRecordBack(_logger, worker.Id, worker.Address, missing);
                    break;
                default:
                    DiscoveryLog.WorkerDroppedWithoutRecord(_logger, worker.Id, worker.Address, missing, Reason(outcome));
                    break;
            }
        }
    }

    private static string Reason(WorkerHoldOutcome outcome) => outcome switch
    {
        WorkerHoldOutcome.NotAnswering => "it fails its health checks",
        WorkerHoldOutcome.LimitReached => "it answers its health checks but has not registered again within WorkerHoldLimit",
        WorkerHoldOutcome.Unjudged => "no health check has judged it, and the grace period passed",
        WorkerHoldOutcome.AddressTaken => "another worker registered at its address",
        _ => "it announced leaving",
    };

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribe before the first read so a change made in between is not missed.
        var subscriber = _redis.GetSubscriber();
        await subscriber.SubscribeAsync(RedisChannel.Literal(_keys.ApiKeysChanged), (_, _) => Signal()).ConfigureAwait(false);
        await subscriber.SubscribeAsync(RedisChannel.Literal(_keys.RoutesChanged), (_, _) => Signal()).ConfigureAwait(false);
        // Alias moves, deprecations and retirements: routes naming an alias follow a move with this read.
        await subscriber.SubscribeAsync(RedisChannel.Literal(_keys.Models.Changed), (_, _) => Signal()).ConfigureAwait(false);
        await subscriber.SubscribeAsync(RedisChannel.Literal(_keys.WorkersChanged), (_, message) =>
        {
            var text = (string?)message ?? "";
            if (text.StartsWith("down:", StringComparison.Ordinal))
            {
                _grace.Departed(text[5..]);
            }
            Signal();
        }).ConfigureAwait(false);
        _redis.ConnectionRestored += OnConnectionRestored;
        // On a cluster a failed master does not come back: its replica takes over, and this fires instead.
        _redis.ConfigurationChanged += OnConfigurationChanged;
        await ReloadAsync().ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        _redis.ConfigurationChanged -= OnConfigurationChanged;
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

    private static bool SameTopology(GatewaySnapshot a, GatewaySnapshot b) =>
        a.Routes.Count == b.Routes.Count
        && a.Routes.All(r => b.Routes.TryGetValue(r.Key, out var other) && other == r.Value)
        && a.Workers.Count == b.Workers.Count
        && a.Workers.Zip(b.Workers).All(p => p.First.Id == p.Second.Id && p.First.SameOffer(p.Second));

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Signal();

    private void OnConfigurationChanged(object? sender, EndPointEventArgs e) => Signal();

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
