using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MlopsGateway.Monitoring.Tracing;

namespace MlopsGateway.Monitoring;

/// <summary>
/// Registers OpenTelemetry tracing for a server role: its own spans, ASP.NET Core's server spans
/// and HttpClient's client spans, exported over OTLP. Off unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// (or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>) is configured; then nothing listens and spans cost
/// the request path nothing.
/// </summary>
public static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// The ActivitySource names of the project's roles begin with this (<c>MlopsGateway.Gateway</c>,
    /// <c>MlopsGateway.Worker</c>); tracing listens to all of them.
    /// </summary>
    public const string SourcePrefix = "MlopsGateway.";

    /// <summary>
    /// Traces this host's calls when its configuration (environment variables included) names an OTLP
    /// endpoint. The standard <c>OTEL_*</c> variables (<c>OTEL_SERVICE_NAME</c>,
    /// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_BSP_*</c>...) are read
    /// by the OpenTelemetry SDK itself. Hosts in one process (<c>mlops up</c>) share one tracer provider,
    /// so that no span is exported twice. Calling this more than once for a host adds nothing.
    /// </summary>
    public static IServiceCollection AddMlopsTracing(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, TracingLease>());
        return services;
    }
}
