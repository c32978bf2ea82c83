using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.ResourceMonitoring;
using Microsoft.Extensions.Options;
using MlopsGateway.Contracts;
using MlopsGateway.Gateway.Internal;
using MlopsGateway.Monitoring;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Transforms;

namespace MlopsGateway.Gateway;

/// <summary>Registers and maps the gateway role.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Redis snapshot (keys, routes, workers), worker discovery as YARP config, route
    /// selection, quotas, JWT validation, shadowing, YARP and grpc.health.v1. Needs an
    /// <c>IConnectionMultiplexer</c> registered by the host.
    /// </summary>
    public static GatewayBuilder AddMlopsGateway(this IServiceCollection services, Action<GatewayOptions> configure)
    {
        services.AddSingleton<GatewayMarker>();
        services.AddOptions<GatewayOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton<SnapshotCache>();
        services.AddHostedService(sp => sp.GetRequiredService<SnapshotCache>());
        services.AddSingleton<WorkerProxyConfigProvider>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<WorkerProxyConfigProvider>());
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<GatewayOptions>>().Value.RandomSeed is { } seed
            ? RandomSource.Seeded(seed)
            : RandomSource.Shared);
        services.AddSingleton(sp => new RouteSelector(sp.GetRequiredService<RandomSource>()));
        services.AddSingleton<QuotaLimiter>();
        services.AddSingleton<JwtAuthenticator>();
        // Registering authentication makes the host add its middleware to every request, a few
        // percent of the gateway's CPU per call; without a signing key no token can be accepted, so
        // the JwtBearer handler is only registered when one is configured.
        var configured = new GatewayOptions();
        configure(configured);
        if (configured.JwtSigningKey is not null)
        {
            JwtAuthenticator.AddTo(services);
        }
        services.AddSingleton<ShadowDispatcher>();
        if (configured.ShadowCpuLimit >= 100 || !(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
        {
            // ResourceMonitoring measures Linux (cgroups) and Windows (job objects) only.
            services.AddSingleton(sp => ShadowThrottle.Never(sp.GetRequiredService<RandomSource>()));
        }
        else
        {
            services.AddSingleton<ShadowThrottle>();
            services.AddResourceMonitoring();
            // The instruments measure the CPU afresh at most this often (5 s by default), so each 250 ms
            // reading gets a new figure. Marked obsolete with the pull API, yet it still sets the instruments' refresh.
#pragma warning disable EXTOBS0001
            services.Configure<ResourceMonitoringOptions>(o => o.CpuConsumptionRefreshInterval = ShadowThrottle.Period - TimeSpan.FromMilliseconds(50));
#pragma warning restore EXTOBS0001
        }
        services.AddSingleton<GatewayMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IPassiveHealthCheckPolicy, DrainingWorkers>();
        services.AddSingleton(sp => new OipForwarder(
            sp.GetRequiredService<SnapshotCache>(), sp.GetRequiredService<WorkerProxyConfigProvider>(), sp.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>(),
            sp.GetRequiredService<RouteSelector>(), sp.GetRequiredService<QuotaLimiter>(), sp.GetRequiredService<JwtAuthenticator>(),
            sp.GetRequiredService<ShadowDispatcher>(), sp.GetRequiredService<IOptions<GatewayOptions>>(), sp.GetRequiredService<GatewayMetrics>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<OipForwarder>>()));
        services.AddReverseProxy().AddTransforms(transforms =>
        {
            // Workers need no X-Forwarded-*; the caller's secret never reaches them, the caller's public id does.
            transforms.UseDefaultForwarders = false;
            transforms.AddRequestTransform(transform =>
            {
                var headers = transform.ProxyRequest.Headers;
                headers.Remove(GatewayHeaders.ApiKey);
                headers.Remove(GatewayHeaders.Authorization);
                if (transform.HttpContext.Items[GatewayHeaders.KeyIdItem] is string keyId)
                {
                    headers.TryAddWithoutValidation(GatewayHeaders.KeyIdHeader, keyId);
                }
                return default;
            });
            transforms.AddResponseTransform(transform =>
            {
                // A worker stopping cleanly marks its answers: for this gateway's passive health (DrainingWorkers), not the caller.
                if (transform.ProxyResponse is { } answer && answer.Headers.NonValidated.Contains(WorkerHeaders.Draining))
                {
                    transform.HttpContext.Response.Headers.Remove(WorkerHeaders.Draining);
                    transform.HttpContext.Items[DrainingWorkers.DrainingItem] = true;
                }
                return default;
            });
        });
        // YARP's transport-failure-rate policy keeps a worker out for max(ReactivationPeriod, DetectionWindowSize),
        // and its window defaults to 60 s: a worker that failed and came back would sit out a minute.
        services.AddOptions<TransportFailureRateHealthPolicyOptions>().Configure<IOptions<GatewayOptions>>((policy, gateway) =>
        {
            policy.DetectionWindowSize = gateway.Value.PassiveHealthWindow;
            policy.MinimalTotalCountThreshold = gateway.Value.PassiveHealthMinimumCalls;
            policy.DefaultFailureRateLimit = gateway.Value.PassiveHealthFailureRate;
        });
        services.AddGrpc();
        services.AddMlopsMetrics(GatewayMetrics.MeterName);
        services.AddGrpcHealthChecks()
            .AddCheck<SnapshotLoadedHealthCheck>("snapshot-loaded");
        return new GatewayBuilder(services);
    }

    /// <summary>Maps the forwarded protocol service (through YARP) and grpc.health.v1 (open, for probes).</summary>
    /// <exception cref="InvalidOperationException"><see cref="AddMlopsGateway"/> was not called.</exception>
    public static IEndpointRouteBuilder MapMlopsGateway(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetService<GatewayMarker>() is null)
        {
            throw new InvalidOperationException("Call services.AddMlopsGateway(...) before endpoints.MapMlopsGateway().");
        }
        var forwarder = endpoints.ServiceProvider.GetRequiredService<OipForwarder>();
        endpoints.MapReverseProxy(proxy =>
        {
            proxy.Use(forwarder.InvokeAsync);
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapMlopsMetrics();
        return endpoints;
    }

    private sealed class SnapshotLoadedHealthCheck(SnapshotCache snapshots) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(snapshots.IsLoaded
                ? HealthCheckResult.Healthy($"{snapshots.Current.Keys.Count} keys, {snapshots.Current.Routes.Count} routes, {snapshots.Current.Workers.Count} workers")
                : HealthCheckResult.Unhealthy("keys, routes and workers not loaded from Redis yet"));
    }
}
