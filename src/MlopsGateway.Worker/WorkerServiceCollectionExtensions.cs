using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Monitoring;
using MlopsGateway.Worker.Access;
using MlopsGateway.Worker.Draining;
using MlopsGateway.Worker.Explanations;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Predictions;
using MlopsGateway.Worker.Serving;

namespace MlopsGateway.Worker;

/// <summary>Registers and maps the worker role.</summary>
public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the model repository, the OIP service, the grpc.health.v1 check and the check of the
    /// worker and admin secrets (<see cref="WorkerOptions.WorkerSecrets"/>) in front of them.
    /// </summary>
    public static WorkerBuilder AddMlopsWorker(this IServiceCollection services, Action<WorkerOptions> configure)
    {
        services.AddSingleton<WorkerMarker>();
        services.AddOptions<WorkerOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WorkerMetrics>();
        services.AddSingleton(sp =>
        {
            var metrics = sp.GetRequiredService<WorkerMetrics>();
            var repository = new ModelRepository(
                sp.GetRequiredService<IOptions<WorkerOptions>>().Value.ModelRepository,
                sp.GetRequiredService<ILogger<ModelRepository>>(),
                metrics,
                sp.GetRequiredService<TimeProvider>());
            metrics.Observe(repository);
            return repository;
        });
        services.AddHostedService<ModelRepositoryService>();
        services.TryAddSingleton(PredictionRecorder.Off);
        services.TryAddSingleton(ExplainBaselines.None);
        services.AddSingleton<WorkerDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerDrain>());
        // The secrets are checked before routing, so a stranger's request is refused unread.
        services.AddSingleton<IStartupFilter, WorkerAccessMiddleware.StartupFilter>();
        services.AddGrpc();
        services.AddMlopsMetrics(WorkerMetrics.MeterName);
        services.AddMlopsTracing();
        services.AddSingleton<IConfigureOptions<GrpcServiceOptions>>(sp => new ConfigureOptions<GrpcServiceOptions>(grpc =>
        {
            var options = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            grpc.MaxReceiveMessageSize = options.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = options.MaxSendMessageSize;
            grpc.Interceptors.Add<UnreadableRequests>();
        }));
        services.AddTransient<IStartupFilter, UnreadableRequests.StartupFilter>();
        services.AddGrpcHealthChecks()
            .AddCheck<ModelRepositoryHealthCheck>("models")
            .AddCheck<WorkerDrain.HealthCheck>("not-draining");
        return new WorkerBuilder(services);
    }

    /// <summary>Maps the OIP service, mlops.v1.Explain and grpc.health.v1.</summary>
    /// <exception cref="InvalidOperationException"><see cref="AddMlopsWorker"/> was not called.</exception>
    public static IEndpointRouteBuilder MapMlopsWorker(this IEndpointRouteBuilder endpoints)
    {
        if (endpoints.ServiceProvider.GetService<WorkerMarker>() is null)
        {
            throw new InvalidOperationException("Call services.AddMlopsWorker(...) before endpoints.MapMlopsWorker().");
        }
        endpoints.MapGrpcService<InferenceService>();
        endpoints.MapGrpcService<ExplainService>();
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapMlopsMetrics();
        return endpoints;
    }

    /// <summary>Registered by <see cref="AddMlopsWorker"/>, so that <see cref="MapMlopsWorker"/> can tell it was called.</summary>
    private sealed class WorkerMarker;

    private sealed class ModelRepositoryHealthCheck(ModelRepository repository) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(repository.IsLoaded && repository.All.Count > 0
                ? HealthCheckResult.Healthy($"{repository.All.Count} model versions")
                : HealthCheckResult.Unhealthy("no model loaded"));
    }
}
