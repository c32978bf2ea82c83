using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Registry.Telemetry;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Telemetry;

/// <summary>
/// Adds the counts <see cref="CallTelemetry"/> accumulated to Redis (<see cref="TelemetryStore"/>)
/// every <see cref="GatewayOptions.TelemetryFlushInterval"/>, on ticks aligned to multiples of it
/// (so with 5 s, two flushes fill each 10-second bucket exactly), off the request path, and once more
/// on a clean stop. When Redis is away the counts are kept (<see cref="PendingTelemetry"/>, bounded)
/// and added by the first flush that succeeds; calls never wait for any of it.
/// </summary>
internal sealed class TelemetryFlush : BackgroundService
{
    private readonly CallTelemetry _telemetry;
    private readonly TelemetryStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<TelemetryFlush> _logger;
    private readonly TimeSpan _interval;
    private readonly int _maxPending;
    private readonly PendingTelemetry _pending;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _last;
    private bool _failing;

    public TelemetryFlush(CallTelemetry telemetry, TelemetryStore store, IOptions<GatewayOptions> options, TimeProvider time, ILogger<TelemetryFlush> logger)
    {
        _telemetry = telemetry;
        _store = store;
        _time = time;
        _logger = logger;
        _interval = options.Value.TelemetryFlushInterval;
        _maxPending = options.Value.TelemetryMaxPendingBuckets;
        _pending = new PendingTelemetry(_maxPending);
        _last = time.GetUtcNow();
    }

    /// <summary>Version-buckets held for want of Redis.</summary>
    public int Pending => _pending.Count;

    /// <summary>Takes what was counted since the last flush and adds it, with anything held, to Redis; false when Redis did not take it (it is held).</summary>
    public async Task<bool> FlushAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            _pending.Add(_telemetry.Take(_last, now));
            _last = now;
            if (_pending.Count == 0)
            {
                return true;
            }
            if (_pending.Trim() is { Buckets: > 0 } dropped)
            {
                TelemetryLog.Dropped(_logger, dropped.Calls, dropped.Rows, dropped.Buckets, _maxPending);
            }
            try
            {
                await _store.FlushAsync(_pending.All).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
                // One warning per outage, not one per flush. A cancelled command (the client gave up on
                // it during a failover) too: it would otherwise end the flushing loop for good.
                if (!_failing)
                {
                    TelemetryLog.FlushFailed(_logger, ex.Message, _pending.Count);
                }
                _failing = true;
                return false;
            }
            if (_failing)
            {
                TelemetryLog.FlushRecovered(_logger, _pending.Count);
                _failing = false;
            }
            _pending.Clear();
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow().UtcTicks;
                await Task.Delay(TimeSpan.FromTicks(_interval.Ticks - (now % _interval.Ticks)), _time, stoppingToken).ConfigureAwait(false);
                await FlushAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Stopping without Redis: these counts are lost, the ones flushed before are not.
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }
}
