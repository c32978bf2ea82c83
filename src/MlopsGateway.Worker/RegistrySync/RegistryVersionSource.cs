using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Worker.RegistrySync;

/// <summary>The registry in Redis (<see cref="ModelRegistry"/>) and its artefact store (<see cref="ArtifactSource"/>), as a registry worker reads them.</summary>
internal sealed class RegistryVersionSource(ModelRegistry registry, ArtifactSource artifacts) : IVersionSource
{
    public async Task<IReadOnlyList<PulledVersion>> ReadAsync(IReadOnlyCollection<string>? models, CancellationToken cancellationToken)
    {
        var records = new List<ModelVersionRecord>();
        if (models is null)
        {
            records.AddRange((await registry.ListAsync().ConfigureAwait(false)).Records);
        }
        else
        {
            foreach (var model in models)
            {
                records.AddRange((await registry.VersionsAsync(model).ConfigureAwait(false)).Records);
            }
        }
        return [.. records.Select(r => new PulledVersion(r.Model, r.Version, r.Sha256, r.IsServable, r))];
    }

    public async Task FetchAsync(PulledVersion version, string destination, CancellationToken cancellationToken)
    {
        try
        {
            await artifacts.FetchAsync((ModelVersionRecord)version.Source!, destination, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArtifactIntegrityException or IOException or HttpRequestException or UnauthorizedAccessException)
        {
            throw new ArtifactRefusedException($"{ex.Message} (store {artifacts.Location})", ex);
        }
    }
}
