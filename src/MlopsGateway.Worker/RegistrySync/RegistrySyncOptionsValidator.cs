using Microsoft.Extensions.Options;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Artifacts;

namespace MlopsGateway.Worker.RegistrySync;

internal sealed class RegistrySyncOptionsValidator : IValidateOptions<RegistrySyncOptions>
{
    public ValidateOptionsResult Validate(string? name, RegistrySyncOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Artifacts))
        {
            errors.Add("Artifacts: the artefact store (a folder or an http(s):// base URL) is required.");
        }
        else if (!ArtifactSource.IsUrl(options.Artifacts) && !Directory.Exists(options.Artifacts))
        {
            errors.Add($"Artifacts: the folder '{Path.GetFullPath(options.Artifacts)}' does not exist.");
        }
        if (string.IsNullOrWhiteSpace(options.CacheFolder))
        {
            errors.Add("CacheFolder: a local cache folder is required.");
        }
        if (options.RefreshInterval <= TimeSpan.Zero)
        {
            errors.Add($"RefreshInterval: must be positive, not {options.RefreshInterval}.");
        }
        if (RedisKeys.NamespaceProblem(options.Namespace) is { } problem)
        {
            errors.Add($"Namespace: {problem}");
        }
        if (options.Models.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("Models: a model name is empty.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
