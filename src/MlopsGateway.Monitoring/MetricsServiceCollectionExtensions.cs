using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace MlopsGateway.Monitoring;

/// <summary>Registers the project's meters with OpenTelemetry and serves them in Prometheus text format.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>Path of the Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Path of the plain HTTP health endpoint (for probes that do not speak gRPC health).</summary>
    public const string HealthPath = "/healthz";

    /// <summary>The runtime's own meter (.NET 9 and later): garbage collections and their pauses, thread pool, locks.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    /// <summary>Collects <paramref name="meterNames"/>, and the runtime's meter, for Prometheus.</summary>
    public static IServiceCollection AddMlopsMetrics(this IServiceCollection services, params string[] meterNames)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(meterNames)
            // A tail that grows with no more CPU is often collections pausing the process: their count and pause time show it.
            .AddMeter(RuntimeMeterName)
            .AddPrometheusExporter(prometheus =>
            {
                // No cache: load tools diff two scrapes taken moments apart, and a cached page would hide the change.
                prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
            }));
        services.AddHealthChecks();
        return services;
    }

    /// <summary>
    /// Maps <c>/metrics</c>, answered only on the metrics listener (<see cref="ServerEndpoints.Configure"/>;
    /// elsewhere 404), and <c>/healthz</c>, answered on every listener (the gateway probes workers on their gRPC port).
    /// </summary>
    public static IEndpointRouteBuilder MapMlopsMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: MetricsListener.Only, optionsName: null);
        endpoints.MapHealthChecks(HealthPath);
        return endpoints;
    }
}
