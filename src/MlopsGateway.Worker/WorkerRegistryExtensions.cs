using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Models;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.RegistrySync;
using StackExchange.Redis;

namespace MlopsGateway.Worker;

/// <summary>Serving the model registry's versions instead of a folder of the worker's own.</summary>
public static class WorkerRegistryExtensions
{
    /// <summary>
    /// Serves every READY, unretired version in the registry in <paramref name="redis"/> (or those of
    /// <see cref="RegistrySyncOptions.Models"/>): each is copied from the artefact store into
    /// <see cref="RegistrySyncOptions.CacheFolder"/> with its sha256 checked, and loaded with the
    /// repository's zero-drop load; a version retired or no longer READY drains and unloads. The
    /// registry is read again on every change it announces and every <see cref="RegistrySyncOptions.RefreshInterval"/>.
    /// The worker's <see cref="WorkerOptions.ModelRepository"/> becomes the cache folder.
    /// </summary>
    public static WorkerBuilder AddRegistryModels(this WorkerBuilder builder, IConnectionMultiplexer redis, Action<RegistrySyncOptions> configure)
    {
        var services = builder.Services;
        services.AddOptions<RegistrySyncOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RegistrySyncOptions>, RegistrySyncOptionsValidator>();
        services.AddOptions<WorkerOptions>().PostConfigure<IOptions<RegistrySyncOptions>>((worker, registry) =>
        {
            if (!string.IsNullOrWhiteSpace(registry.Value.CacheFolder))
            {
                Directory.CreateDirectory(registry.Value.CacheFolder);
                worker.ModelRepository = registry.Value.CacheFolder;
            }
            // The cache changes under the sync's control, which reloads what it changed.
            worker.WatchRepository = false;
        });
        services.AddSingleton(sp => ArtifactSource.Open(sp.GetRequiredService<IOptions<RegistrySyncOptions>>().Value.Artifacts));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RegistrySyncOptions>>().Value;
            var source = new RegistryVersionSource(new ModelRegistry(redis, keys: new RedisKeys(options.Namespace)), sp.GetRequiredService<ArtifactSource>());
            return new RegistryCache(source, options.CacheFolder, options.Models, sp.GetRequiredService<ILogger<RegistryCache>>());
        });
        services.AddSingleton(sp => new RegistrySyncService(
            redis, new RedisKeys(sp.GetRequiredService<IOptions<RegistrySyncOptions>>().Value.Namespace).Models.Changed, sp.GetRequiredService<RegistryCache>(), sp.GetRequiredService<ModelRepository>(),
            sp.GetRequiredService<IOptions<RegistrySyncOptions>>(), sp.GetRequiredService<ILogger<RegistrySyncService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<RegistrySyncService>());
        return builder;
    }
}
