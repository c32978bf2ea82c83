using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Worker.Sketching;

/// <summary>
/// Keeps a sketch on every loaded version that has a baseline (read when a version loads, when the
/// registry announces a change and every 30 s), writes their counts to Redis every flush interval and
/// once more on a clean stop, and serves open baseline captures. Redis away never delays a
/// prediction: counts wait, bounded, for the next flush.
/// </summary>
internal sealed class SketchService : BackgroundService
{
    private static readonly TimeSpan s_reread = TimeSpan.FromSeconds(30);

    private readonly ModelRepository _repository;
    private readonly Func<string, string, Task<BaselineProfile?>> _readBaseline;
    private readonly DriftCountStore _counts;
    private readonly CaptureStore _captures;
    private readonly SketchOptions _options;
    private readonly SketchMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SketchLedger _ledger;
    private readonly Channel<bool> _refresh = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<ModelVersion, BaselineProfile?> _versions = [];
    private readonly HashSet<string> _warned = [];
    private readonly ISubscriber? _subscriber;
    private readonly RedisChannel _changed;
    private PeriodicTimer? _timer;

    public SketchService(
        ModelRepository repository, Func<string, string, Task<BaselineProfile?>> readBaseline, DriftCountStore counts, CaptureStore captures,
        IConnectionMultiplexer? redis, string registryChanged, SketchOptions options, SketchMetrics metrics, ILogger<SketchService> logger, TimeProvider time)
    {
        _repository = repository;
        _readBaseline = readBaseline;
        _counts = counts;
        _captures = captures;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _ledger = new SketchLedger(options.MaxPendingFlushes, metrics, logger);
        _subscriber = redis?.GetSubscriber();
        _changed = RedisChannel.Literal(registryChanged);
    }

    /// <summary>
    /// Reads the baselines of loaded versions (every one with <paramref name="reread"/>, else only of
    /// versions not seen yet) and puts a sketch on each that has one; versions that left are flushed.
    /// </summary>
    public async Task RefreshAsync(bool reread)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var loaded = _repository.All;
            foreach (var version in loaded)
            {
                if (_versions.TryGetValue(version, out var known) && !reread)
                {
                    continue;
                }
                BaselineProfile? baseline;
                try
                {
                    baseline = await _readBaseline(version.Name, version.Version).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Unreadable now (Redis away, a bad record): keep what the version has.
                    WarnOnce(version, "unreadable", $"its baseline could not be read: {ex.Message}");
                    continue;
                }
                if (_versions.ContainsKey(version) && Same(known, baseline))
                {
                    continue;
                }
                _versions[version] = baseline;
                Attach(version, baseline, version.Sketcher?.Capture);
            }
            foreach (var gone in _versions.Keys.Where(v => !loaded.Contains(v)).ToArray())
            {
                Detach(gone);
                _versions.Remove(gone);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes what every sketch counted since the last flush (and what earlier flushes could not write), and serves captures.</summary>
    public async Task FlushAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            foreach (var version in _versions.Keys)
            {
                _ledger.Take(version.Sketcher?.Sketch, now);
            }
            await _ledger.WriteAsync(_counts).ConfigureAwait(false);
            await CaptureAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Made before the first wait, so a tick of the clock from now on is never missed.
        _timer = new PeriodicTimer(_options.FlushInterval, _time);
        _repository.Changed += OnRepositoryChanged;
        try
        {
            if (_subscriber is not null)
            {
                await _subscriber.SubscribeAsync(_changed, (_, _) => _refresh.Writer.TryWrite(true)).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Without the announcements the 30-second re-read still picks baseline changes up.
        }
        await RefreshAsync(reread: true).ConfigureAwait(false);
        var refreshing = RefreshLoopAsync(stoppingToken);
        var lastReread = _time.GetUtcNow();
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (_time.GetUtcNow() - lastReread >= s_reread)
                {
                    lastReread = _time.GetUtcNow();
                    _refresh.Writer.TryWrite(true);
                }
                await FlushAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        await refreshing.ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _repository.Changed -= OnRepositoryChanged;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await FlushAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or RedisException)
        {
            // Stopping without Redis: these counts are lost, the ones flushed before are not.
        }
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    private void OnRepositoryChanged() => _refresh.Writer.TryWrite(false);

    private async Task RefreshLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _refresh.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                var reread = false;
                while (_refresh.Reader.TryRead(out var one))
                {
                    reread |= one;
                }
                await RefreshAsync(reread).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Attach(ModelVersion version, BaselineProfile? baseline, CaptureTap? capture)
    {
        var previous = version.Sketcher;
        if (baseline is null && capture is null)
        {
            version.Sketcher = null;
        }
        else if (BatchSketcher.Create(version, baseline, capture, out var problem) is { } sketcher)
        {
            _ledger.Start(sketcher.Sketch, _time.GetUtcNow());
            version.Sketcher = sketcher;
            if (baseline is not null)
            {
                SketchLog.Attached(_logger, version.Name, version.Version, baseline.Source, baseline.Rows, baseline.Features.Count);
            }
        }
        else
        {
            version.Sketcher = null;
            WarnOnce(version, problem!, problem!);
        }
        if (!ReferenceEquals(previous?.Sketch, version.Sketcher?.Sketch))
        {
            // The old baseline's counts are in its own bins: written as they are, then the new bins start.
            _ledger.Take(previous?.Sketch, _time.GetUtcNow());
            _ledger.Forget(previous?.Sketch);
        }
    }

    private void Detach(ModelVersion version)
    {
        var last = version.Sketcher;
        version.Sketcher = null;
        _ledger.Take(last?.Sketch, _time.GetUtcNow());
        _ledger.Forget(last?.Sketch);
    }

    private async Task CaptureAsync()
    {
        if (!_ledger.Reachable)
        {
            return;
        }
        try
        {
            var open = await _captures.ListAsync().ConfigureAwait(false);
            foreach (var fault in open.Faults)
            {
                if (_warned.Add(fault.Key))
                {
                    SketchLog.RecordFault(_logger, fault.Key, fault.Fault);
                }
            }
            foreach (var version in _versions.Keys)
            {
                var request = open.Records.FirstOrDefault(r => r.Model == version.Name && r.Version == version.Version);
                var tap = version.Sketcher?.Capture;
                if (tap is not null)
                {
                    var stored = await _captures.AppendAsync(version.Name, version.Version, tap.Drain(), tap.Request.Rows).ConfigureAwait(false);
                    tap.Stored(stored);
                    if (tap.IsFull(stored) || request is null || request.RequestedAt != tap.Request.RequestedAt)
                    {
                        SetCapture(version, null);
                        tap = null;
                    }
                }
                if (tap is null && request is not null && version.Sketcher?.Capture is null)
                {
                    var stored = await _captures.CountAsync(request.Model, request.Version).ConfigureAwait(false);
                    if (stored < request.Rows)
                    {
                        var opened = new CaptureTap(request);
                        opened.Stored(stored);
                        SetCapture(version, opened);
                        if (version.Sketcher?.Capture == opened)
                        {
                            await _captures.DescribeAsync(version.Name, version.Version, version.Sketcher.Source()).ConfigureAwait(false);
                        }
                        SketchLog.CaptureStarted(_logger, version.Name, version.Version, stored, request.Rows);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Rows queued by a tap stay queued; the next flush tries again.
        }
    }

    private void SetCapture(ModelVersion version, CaptureTap? capture)
    {
        if (version.Sketcher is { } sketcher)
        {
            version.Sketcher = sketcher.Sketch is null && capture is null ? null : sketcher.WithCapture(capture);
        }
        else if (capture is not null)
        {
            Attach(version, null, capture);
        }
    }

    private void WarnOnce(ModelVersion version, string kind, string reason)
    {
        if (_warned.Add($"{version.Name}:{version.Version}:{kind}"))
        {
            SketchLog.Unfit(_logger, version.Name, version.Version, reason);
        }
    }

    private static bool Same(BaselineProfile? a, BaselineProfile? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.CreatedAt == b.CreatedAt && a.Rows == b.Rows && a.Source == b.Source && a.Input == b.Input);
}
