using Microsoft.Extensions.DependencyInjection;

namespace MlopsGateway.Worker;

/// <summary>Returned by <see cref="WorkerServiceCollectionExtensions.AddMlopsWorker"/> for further configuration.</summary>
public sealed class WorkerBuilder(IServiceCollection services)
{
    /// <summary>The services the worker role was added to.</summary>
    public IServiceCollection Services { get; } = services;
}
