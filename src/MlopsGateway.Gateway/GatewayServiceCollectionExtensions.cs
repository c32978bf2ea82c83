using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway.Auth;
using MlopsGateway.Gateway.Console;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Gateway.Feedback;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Quality;
using MlopsGateway.Gateway.Rollouts;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Gateway.Shadow;
using MlopsGateway.Gateway.Telemetry;
using MlopsGateway.Gateway.Tracing;
using MlopsGateway.Gateway.Versions;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace MlopsGateway.Gateway;

/// <summary>Registers and maps the gateway role.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Redis snapshot (keys, routes, workers), worker discovery as YARP config, route
    /// selection, quotas, JWT validation, shadowing, YARP, grpc.health.v1 and the web console. Needs an
    /// <c>IConnectionMultiplexer</c> registered by the host. <paramref name="configure"/> runs once,
    /// on the options the gateway uses, after any other configuration of <see cref="GatewayOptions"/>
    /// (from <c>IConfiguration</c>, say); everything registered follows those bound options.
    /// </summary>
    public static GatewayBuilder AddMlopsGateway(this IServiceCollection services, Action<GatewayOptions> configure)
    {
        services.AddSingleton<GatewayMarker>();
        services.AddOptions<GatewayOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<GatewayOptions>>().Value.RandomSeed is { } seed
            ? RandomSource.Seeded(seed)
            : RandomSource.Shared);
        AddDiscovery(services);
        AddAuth(services);
        services.AddSingleton(sp => new RouteSelector(sp.GetRequiredService<RandomSource>()));
        services.AddShadow();
        services.AddModelQuality();
        services.AddFeedback();
        services.AddConsole();
        services.AddRollouts();
        AddSteps(services);
        services.AddReverseProxy().AddTransforms(ProxyTransforms.Apply);
        services.AddSingleton<WorkerTls>();
        services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory, WorkerHttpClientFactory>());
        services.AddGrpc();
        services.AddMlopsMetrics(GatewayMetrics.MeterName);
        services.AddMlopsTracing();
        services.AddGrpcHealthChecks()
            .AddCheck<SnapshotLoadedHealthCheck>("snapshot-loaded");
        return new GatewayBuilder(services);
    }

    /// <summary>
    /// Maps the forwarded protocol service (through YARP, after the gateway's steps in their order)
    /// grpc.health.v1 (open, for probes) and the web console (<c>/console</c>, on the metrics or console listener only).
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="AddMlopsGateway"/> was not called.</exception>
    public static IEndpointRouteBuilder MapMlopsGateway(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        if (services.GetService<GatewayMarker>() is null)
        {
            throw new InvalidOperationException("Call services.AddMlopsGateway(...) before endpoints.MapMlopsGateway().");
        }
        endpoints.MapReverseProxy(proxy =>
        {
            // The request path, step by step (docs/ARCHITECTURE.md); each step answers the call itself or passes it on.
            proxy.Use(services.GetRequiredService<MethodScopeStep>().InvokeAsync);
            proxy.Use(StepSpans.Of(GatewayTracing.Authenticate, services.GetRequiredService<AuthenticationStep>().InvokeAsync));
            proxy.Use(services.GetRequiredService<BodyLimitStep>().InvokeAsync);
            proxy.Use(services.GetRequiredService<PeekStep>().InvokeAsync);
            proxy.Use(services.GetRequiredService<ModelAccessStep>().InvokeAsync);
            proxy.Use(services.GetRequiredService<QuotaStep>().InvokeAsync);
            proxy.Use(services.GetRequiredService<InFlightStep>().InvokeAsync);
            proxy.Use(services.GetRequiredService<RequestMetricsStep>().InvokeAsync);
            proxy.Use(StepSpans.From(GatewayTracing.Route, services.GetRequiredService<RouteStep>().InvokeAsync));
            proxy.Use(services.GetRequiredService<ShadowCopyStep>().InvokeAsync);
            proxy.Use(StepSpans.Until(GatewayTracing.Route, services.GetRequiredService<FrameRewriteStep>().InvokeAsync));
            proxy.Use(StepSpans.Around(GatewayTracing.Forward, services.GetRequiredService<RetryStep>().InvokeAsync));
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        endpoints.MapGrpcService<FeedbackService>();
        endpoints.MapConsole();
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapMlopsMetrics();
        return endpoints;
    }

    private static void AddDiscovery(IServiceCollection services)
    {
        services.AddSingleton(sp => new RedisKeys(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Namespace));
        services.AddSingleton<ISnapshotSource, RedisSnapshotSource>();
        services.AddSingleton<SnapshotCache>();
        services.AddHostedService(sp => sp.GetRequiredService<SnapshotCache>());
        services.AddSingleton<WorkerProxyConfigProvider>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<WorkerProxyConfigProvider>().Provider);
        services.AddSingleton<IPassiveHealthCheckPolicy, DrainingWorkers>();
        services.AddCallerCounts();
        services.AddCallTelemetry();
        // YARP's transport-failure-rate policy keeps a worker out for max(ReactivationPeriod, DetectionWindowSize),
        // and its window defaults to 60 s: a worker that failed and came back would sit out a minute.
        services.AddOptions<TransportFailureRateHealthPolicyOptions>().Configure<IOptions<GatewayOptions>>((policy, gateway) =>
        {
            policy.DetectionWindowSize = gateway.Value.PassiveHealthWindow;
            policy.MinimalTotalCountThreshold = gateway.Value.PassiveHealthMinimumCalls;
            policy.DefaultFailureRateLimit = gateway.Value.PassiveHealthFailureRate;
        });
    }

    private static void AddAuth(IServiceCollection services)
    {
        services.AddSingleton<QuotaLimiter>();
        services.AddSingleton<InFlightLimiter>();
        services.AddSingleton<JwtAuthenticator>();
        services.AddSingleton<AuthRefusal>();
    }

    private static void AddSteps(IServiceCollection services)
    {
        services.AddSingleton<MethodScopeStep>();
        services.AddSingleton<AuthenticationStep>();
        services.AddSingleton<BodyLimitStep>();
        services.AddSingleton<PeekStep>();
        services.AddSingleton<ModelAccessStep>();
        services.AddSingleton<QuotaStep>();
        services.AddSingleton<InFlightStep>();
        services.AddSingleton(sp => new MetricLabels(sp.GetRequiredService<SnapshotCache>(), sp.GetRequiredService<WorkerProxyConfigProvider>()));
        services.AddSingleton<RequestMetricsStep>();
        services.AddSingleton<RouteStep>();
        services.AddSingleton<ShadowCopyStep>();
        services.AddSingleton<FrameRewriteStep>();
        services.AddSingleton<RetryStep>();
    }

    private sealed class SnapshotLoadedHealthCheck(SnapshotCache snapshots) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(snapshots.IsLoaded
                ? HealthCheckResult.Healthy($"{snapshots.Current.Keys.Count} keys, {snapshots.Current.Routes.Count} routes, {snapshots.Current.Workers.Count} workers")
                : HealthCheckResult.Unhealthy("keys, routes and workers not loaded from Redis yet"));
    }
}
