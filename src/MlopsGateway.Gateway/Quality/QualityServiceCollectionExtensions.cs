using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Alerts;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Quality;

/// <summary>Registers the evaluation loop, its gauges and the alert webhook.</summary>
internal static class QualityServiceCollectionExtensions
{
    // An alert whose gateways all stopped is forgotten after this many intervals without renewal.
    private const int FiringTtlIntervals = 30;

    public static IServiceCollection AddModelQuality(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(QualityMetrics.MeterName));
        services.AddSingleton<QualityMetrics>();
        services.TryAddSingleton<IMonitorReportSource>(sp => new QualityEvaluator(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisKeys>(),
            new QualityWindows { Drift = Options(sp).DriftWindow, Accuracy = Options(sp).AccuracyWindow, FalseAlarmRate = Options(sp).FalseAlarmRate }));
        services.AddSingleton(sp => new AlertTracker(new AlertRules { AccuracyBelow = Options(sp).AccuracyAlertBelow }));
        services.AddSingleton(sp => new AlertDispatch(
            new AlertClaimStore(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisKeys>()),
            Options(sp).AlertWebhook is { } url
                ? new WebhookSender(new Uri(url), new HttpClient(), new WebhookOptions(), sp.GetRequiredService<ILogger<WebhookSender>>(), sp.GetRequiredService<TimeProvider>())
                : null,
            Options(sp).MonitorInterval * FiringTtlIntervals,
            sp.GetRequiredService<ILogger<AlertDispatch>>()));
        services.AddSingleton<QualityMonitor>();
        services.AddSingleton<IHostedService>(sp => (IHostedService?)sp.GetRequiredService<AlertDispatch>().Webhook ?? new Idle());
        services.AddSingleton<IHostedService>(sp => Options(sp).MonitorModels ? sp.GetRequiredService<QualityMonitor>() : new Idle());
        return services;
    }

    private static GatewayOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<GatewayOptions>>().Value;

    private sealed class Idle : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
