using Microsoft.Extensions.Hosting;

namespace MlopsGateway.Worker.Internal;

/// <summary>Loads the repository before the server takes requests, and releases its sessions on stop.</summary>
internal sealed class ModelRepositoryService(ModelRepository repository) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        repository.Load();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
