using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Internal;
using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Gateway;

/// <summary>
/// The gateway's in-memory copy of the API keys. Read whole from Redis at start, again whenever
/// the change channel fires, and on a timer as a safety net for missed messages. Lookups never
/// touch Redis; while Redis is down the last table keeps serving.
/// </summary>
public sealed class ApiKeyCache : BackgroundService
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ApiKeyStore _store;
    private readonly GatewayOptions _options;
    private readonly ILogger<ApiKeyCache> _logger;
    private readonly SemaphoreSlim _reloadSignal = new(0, 1);
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ApiKeyTable _table = ApiKeyTable.Empty;
    private bool _redisDown;

    public ApiKeyCache(IConnectionMultiplexer redis, IOptions<GatewayOptions> options, ILogger<ApiKeyCache> logger)
    {
        _redis = redis;
        _store = new ApiKeyStore(redis);
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The current table.</summary>
    public ApiKeyTable Table => _table;

    /// <summary>Whether keys have been read from Redis at least once.</summary>
    public bool IsLoaded => _firstLoad.Task.IsCompleted;

    /// <summary>Completes once the first read from Redis has succeeded.</summary>
    public Task FirstLoad => _firstLoad.Task;

    /// <summary>Re-reads the keys now; returns false when Redis could not be read.</summary>
    public async Task<bool> ReloadAsync()
    {
        try
        {
            var records = await _store.ListAsync().ConfigureAwait(false);
            _table = new ApiKeyTable(records);
            if (_redisDown)
            {
                _redisDown = false;
                GatewayLog.RedisRecovered(_logger);
            }
            if (_firstLoad.TrySetResult())
            {
                GatewayLog.KeysLoaded(_logger, records.Count);
            }
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
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribe before the first read so a change made in between is not missed.
        await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.ApiKeysChanged), (_, _) => Signal())
            .ConfigureAwait(false);
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
                var wait = IsLoaded ? _options.KeyRefreshInterval : TimeSpan.FromSeconds(1);
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
        base.Dispose();
    }

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
