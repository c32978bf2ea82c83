using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MlopsGateway.Monitoring.Tracing;

/// <summary>What the project traces, and when: one place, used by the hosts' provider and by the tests' in-memory one.</summary>
internal static class TracingSettings
{
    /// <summary>The service name spans carry when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one.</summary>
    public const string DefaultServiceName = "mlops";

    /// <summary>
    /// Whether spans are to be exported: an OTLP endpoint is configured, and neither the SDK
    /// (OTEL_SDK_DISABLED) nor the traces exporter (OTEL_TRACES_EXPORTER=none) is switched off.
    /// </summary>
    public static bool ExportConfigured(IConfiguration configuration) =>
        !string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase)
        && !string.Equals(configuration["OTEL_TRACES_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase)
        && (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
            || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]));

    /// <summary>
    /// The project's sources, ASP.NET Core's server spans and HttpClient's client spans, with the
    /// filters below; no exporter (the caller adds one).
    /// </summary>
    public static TracerProviderBuilder Instrument(TracerProviderBuilder tracing) => tracing
        .AddSource(TracingServiceCollectionExtensions.SourcePrefix + "*")
        // Headers are not recorded (the instrumentation's default, kept): they carry API keys and worker secrets.
        .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = Traced)
        .AddHttpClientInstrumentation(http => http.FilterHttpRequestMessage = _ => InsideProjectSpan());

    /// <summary>Sets <see cref="DefaultServiceName"/> unless the configuration names the service.</summary>
    public static void NameService(ResourceBuilder resource, IConfiguration configuration)
    {
        var named = !string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"])
            || (configuration["OTEL_RESOURCE_ATTRIBUTES"]?.Contains("service.name=", StringComparison.Ordinal) ?? false);
        if (!named)
        {
            resource.AddService(DefaultServiceName);
        }
    }

    /// <summary>
    /// Scrapes and probes arrive every few seconds from machines, not callers: traced, they would
    /// bury the calls worth reading.
    /// </summary>
    internal static bool Traced(HttpContext context)
    {
        var path = context.Request.Path;
        return !path.StartsWithSegments(MetricsServiceCollectionExtensions.MetricsPath, StringComparison.Ordinal)
            && !path.StartsWithSegments(MetricsServiceCollectionExtensions.HealthPath, StringComparison.Ordinal)
            && !path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal);
    }

    /// <summary>
    /// A client call is recorded only when made inside one of the project's spans that is still open
    /// (a forwarded call): the gateway's health probes run outside any call, and a shadow stream outlives
    /// the call that opened it, so either would start a trace of its own or hang under a finished span.
    /// The instrumentation calls this with the client span current.
    /// </summary>
    internal static bool InsideProjectSpan() =>
        Activity.Current?.Parent is { IsStopped: false } parent
        && parent.Source.Name.StartsWith(TracingServiceCollectionExtensions.SourcePrefix, StringComparison.Ordinal);
}
