using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Monitoring.Quality;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Quality;

/// <summary>
/// The evaluation loop: every <see cref="GatewayOptions.MonitorInterval"/>, each version a registered
/// worker serves is evaluated (<see cref="IMonitorReportSource"/>), the gauges get the reports, and the
/// alert tracker's transitions go to <see cref="AlertDispatch"/>. Off the request path entirely: it
/// reads Redis and nothing a call waits on.
/// </summary>
internal sealed class QualityMonitor(
    IMonitorReportSource source, SnapshotCache snapshots, QualityMetrics metrics, AlertTracker tracker, AlertDispatch alerts,
    IOptions<GatewayOptions> options, TimeProvider time, ILogger<QualityMonitor> logger) : BackgroundService
{
    private readonly TimeSpan _interval = options.Value.MonitorInterval;
    private readonly HashSet<(string, string)> _failing = [];

    /// <summary>Evaluations completed, for tests that wait for one.</summary>
    public event Action<IReadOnlyList<MonitorReport>>? Evaluated;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, time);
        try
        {
            do
            {
                await EvaluateAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One evaluation of every served version, at the last whole interval (so every gateway scores the same windows).</summary>
    public async Task<IReadOnlyList<MonitorReport>> EvaluateAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var at = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % _interval.Ticks), TimeSpan.Zero);
        var previous = metrics.Reports.ToDictionary(r => (r.Model, r.Version));
        var reports = new List<MonitorReport>();
        foreach (var (model, version) in Served())
        {
            try
            {
                if (await source.EvaluateAsync(model, version, at, cancellationToken).ConfigureAwait(false) is { } report)
                {
                    reports.Add(report);
                }
                _failing.Remove((model, version));
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException or InvalidOperationException or FormatException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Logged once until it recovers: a Redis outage would otherwise log every version every interval.
                if (_failing.Add((model, version)))
                {
                    QualityLog.EvaluationFailed(logger, model, version, ex);
                }
                if (previous.TryGetValue((model, version), out var last))
                {
                    reports.Add(last);
                }
            }
        }
        metrics.Publish(reports);
        try
        {
            foreach (var report in reports)
            {
                if (report.EvaluatedAt != at)
                {
                    continue;
                }
                foreach (var transition in tracker.Observe(report))
                {
                    tracker.Adopt(transition.Key, await alerts.HandleAsync(transition).ConfigureAwait(false));
                }
            }
            await alerts.RenewAsync(tracker.Firing).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Claims already fall back to posting; a renewal missed is retried next interval.
        }
        Evaluated?.Invoke(reports);
        return reports;
    }

    private IEnumerable<(string Model, string Version)> Served() =>
        snapshots.Current.Workers.SelectMany(w => w.Models).Select(v => (v.Model, v.Version)).Distinct().Order();
}
