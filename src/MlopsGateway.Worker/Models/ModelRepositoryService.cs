using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Worker.Models;

/// <summary>Loads the repository before the server takes requests, and releases its sessions on stop.</summary>
internal sealed class ModelRepositoryService(ModelRepository repository, IOptions<WorkerOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        repository.Load();
        if (options.Value.WatchRepository)
        {
            repository.StartWatching();
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
