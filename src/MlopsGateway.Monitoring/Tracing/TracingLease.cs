using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace MlopsGateway.Monitoring.Tracing;

/// <summary>
/// One host's hold on the process' tracer provider, from its start to its stop. ASP.NET Core's and
/// HttpClient's spans are process-wide (every listener sees every host's), so two providers in one
/// process (<c>mlops up</c>: a worker and a gateway) would each export every server span: the
/// first host to start builds the one provider, from its configuration, and the last to stop
/// flushes and disposes it.
/// </summary>
internal sealed class TracingLease(IConfiguration configuration) : IHostedService
{
    private static readonly Lock s_gate = new();
    private static TracerProvider? s_provider;
    private static int s_holders;
    private bool _held;

    /// <summary>Whether a provider is built in this process now.</summary>
    internal static bool Active
    {
        get
        {
            lock (s_gate)
            {
                return s_provider is not null;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!TracingSettings.ExportConfigured(configuration))
        {
            return Task.CompletedTask;
        }
        lock (s_gate)
        {
            s_provider ??= Build(configuration);
            s_holders++;
            _held = true;
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        TracerProvider? last = null;
        lock (s_gate)
        {
            if (!_held)
            {
                return Task.CompletedTask;
            }
            _held = false;
            if (--s_holders == 0)
            {
                (last, s_provider) = (s_provider, null);
            }
        }
        // Disposing flushes the spans still batched for export.
        last?.Dispose();
        return Task.CompletedTask;
    }

    internal static TracerProvider Build(IConfiguration configuration)
    {
        var tracing = Sdk.CreateTracerProviderBuilder()
            // The SDK reads every OTEL_* setting (endpoint, protocol, headers, service name, batching) from this.
            .ConfigureServices(services => services.AddSingleton(configuration))
            .ConfigureResource(resource => TracingSettings.NameService(resource, configuration));
        return TracingSettings.Instrument(tracing).AddOtlpExporter().Build();
    }
}
