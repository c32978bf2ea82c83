using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Worker.RegistrySync;

/// <summary>
/// Runs <see cref="RegistryCache"/>: once before the repository's first load (so that it loads the
/// registry's versions, not a stale cache), again on every change the registry announces, after a
/// reconnect, and on a timer as a safety net for a missed message. Redis being away never stops
/// serving: the versions loaded stay until the registry can be read again.
/// </summary>
internal sealed class RegistrySyncService : BackgroundService, IHostedLifecycleService
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisChannel _changed;
    private readonly RegistryCache _cache;
    private readonly ModelRepository _repository;
    private readonly RegistrySyncOptions _options;
    private readonly ILogger<RegistrySyncService> _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private bool _failing;

    public RegistrySyncService(
        IConnectionMultiplexer redis, string changedChannel, RegistryCache cache, ModelRepository repository,
        IOptions<RegistrySyncOptions> options, ILogger<RegistrySyncService> logger)
    {
        _redis = redis;
        _changed = RedisChannel.Literal(changedChannel);
        _cache = cache;
        _repository = repository;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Completes each pass; tests wait on it rather than on time.</summary>
    public event Action<CachePass>? Synced;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        // Subscribed before the first read, so that a change made in between is not missed.
        await _redis.GetSubscriber().SubscribeAsync(_changed, (_, _) => Signal()).ConfigureAwait(false);
        _redis.ConnectionRestored += OnConnectionRestored;
        await PassAsync(null, cancellationToken).ConfigureAwait(false);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        try
        {
            await _redis.GetSubscriber().UnsubscribeAsync(_changed).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or ObjectDisposedException)
        {
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // After a failed read, retry every second; otherwise the timer is a safety net.
                await _signal.WaitAsync(_failing ? TimeSpan.FromSeconds(1) : _options.RefreshInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await PassAsync(_repository, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task PassAsync(ModelRepository? repository, CancellationToken cancellationToken)
    {
        try
        {
            var pass = await _cache.SyncAsync(repository, cancellationToken).ConfigureAwait(false);
            if (_failing)
            {
                _failing = false;
                RegistrySyncLog.RegistryRecovered(_logger);
            }
            Synced?.Invoke(pass);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the pass is left part way; the next start finishes it.
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidDataException)
        {
            if (!_failing)
            {
                _failing = true;
                RegistrySyncLog.RegistryUnavailable(_logger, _repository.All.Count, ex);
            }
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Signal();

    private void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already pending; it will see this change too.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
