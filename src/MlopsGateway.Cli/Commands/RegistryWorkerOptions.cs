using System.CommandLine;
using MlopsGateway.Worker.RegistrySync;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops worker --registry</c>'s options: the artefact store, the models to serve, the local cache.</summary>
internal sealed class RegistryWorkerOptions
{
    public Option<bool> Registry { get; } = new("--registry")
    {
        Description = "Serve the model registry's READY, unretired versions (in --redis) instead of a --models folder; retired versions unload.",
    };

    public Option<string?> Artifacts { get; } = new("--artifacts")
    {
        Description = "With --registry: the artefact store to copy versions from, a folder (a shared volume) or an http(s):// base URL.",
    };

    public Option<string[]> Serve { get; } = TypedOptions.Names("--serve", "With --registry: the models to serve, e.g. propensity,churn (left out: every model).");

    public Option<string> Cache { get; } = new("--cache")
    {
        Description = "With --registry: the local folder verified copies are kept in.",
        DefaultValueFactory = _ => new RegistrySyncOptions().CacheFolder,
    };

    /// <summary>Refuses a worker with both or neither of a folder and the registry, or a registry worker without Redis or a store.</summary>
    public void Check(ParseResult parse, string folder, string? redis)
    {
        if (!parse.GetValue(Registry))
        {
            if (folder.Length == 0)
            {
                throw new SettingRefusedException("ModelRepository", "--models", "a model repository folder is required, or --registry to serve the model registry's versions.");
            }
            return;
        }
        if (folder.Length > 0)
        {
            throw new SettingRefusedException("ModelRepository", "--models", "give --models or --registry, not both: a registry worker serves only the registry's versions.");
        }
        if (redis is null)
        {
            throw new SettingRefusedException("Registry", "--registry", "the registry lives in Redis; give --redis (or MLOPS_REDIS).");
        }
        if (string.IsNullOrWhiteSpace(parse.GetValue(Artifacts)))
        {
            throw new SettingRefusedException("Artifacts", "--artifacts", "a registry worker copies versions from the artefact store; give its folder or http(s):// URL.");
        }
    }

    public void Apply(ParseResult parse, RegistrySyncOptions options)
    {
        options.Artifacts = parse.GetValue(Artifacts)!;
        options.Models = [.. parse.GetValue(Serve) ?? []];
        options.CacheFolder = parse.GetValue(Cache)!;
    }
}
