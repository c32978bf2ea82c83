using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MlopsGateway.Monitoring;
using MlopsGateway.Gateway.Internal;

namespace MlopsGateway.Gateway;

/// <summary>Registers and maps the gateway role.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds key caching, worker selection, YARP's forwarder and grpc.health.v1. Needs an
    /// <c>IConnectionMultiplexer</c> registered by the host.
    /// </summary>
    public static GatewayBuilder AddMlopsGateway(this IServiceCollection services, Action<GatewayOptions> configure)
    {
        services.AddSingleton<GatewayMarker>();
        services.AddOptions<GatewayOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton<ApiKeyCache>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiKeyCache>());
        services.AddSingleton<WorkerPool>();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<OipForwarder>();
        services.AddHttpForwarder();
        services.AddGrpc();
        services.AddMlopsMetrics(GatewayMetrics.MeterName);
        services.AddGrpcHealthChecks()
            .AddCheck<KeysLoadedHealthCheck>("keys-loaded");
        return new GatewayBuilder(services);
    }

    /// <summary>Maps the forwarded protocol service and grpc.health.v1 (open, for probes).</summary>
    /// <exception cref="InvalidOperationException"><see cref="AddMlopsGateway"/> was not called.</exception>
    public static IEndpointRouteBuilder MapMlopsGateway(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetService<GatewayMarker>() is null)
        {
            throw new InvalidOperationException("Call services.AddMlopsGateway(...) before endpoints.MapMlopsGateway().");
        }
        var forwarder = endpoints.ServiceProvider.GetRequiredService<OipForwarder>();
        endpoints.MapPost(OipForwarder.RoutePattern, forwarder.HandleAsync);
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapMlopsMetrics();
        return endpoints;
    }

    private sealed class KeysLoadedHealthCheck(ApiKeyCache keys) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(keys.IsLoaded
                ? HealthCheckResult.Healthy($"{keys.Table.Count} keys")
                : HealthCheckResult.Unhealthy("API keys not loaded from Redis yet"));
    }
}
