using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>Reads the <see cref="ModelCatalog"/> from the model registry: every model's aliases and its deprecated or retired versions.</summary>
internal sealed class RegistryCatalogReader(ModelRegistry registry)
{
    /// <summary>The catalog, and the registry records skipped as invalid.</summary>
    public async Task<(ModelCatalog Catalog, IReadOnlyList<RecordFault> Faults)> ReadAsync()
    {
        var models = await registry.ModelsAsync().ConfigureAwait(false);
        var reads = models.Select(async model =>
        {
            var versions = registry.VersionsAsync(model);
            var aliases = registry.AliasesAsync(model);
            await Task.WhenAll(versions, aliases).ConfigureAwait(false);
            var notices = versions.Result.Records
                .Where(v => v.Deprecation is not null || v.RetiredAt is not null)
                .Select(v => new VersionNotice(v.Model, v.Version, v.Deprecation?.At, v.Deprecation?.Sunset, v.Deprecation?.Replacement, v.Deprecation?.Note, v.RetiredAt))
                .ToArray();
            return (Model: new CatalogModel(model, aliases.Result, notices), versions.Result.Faults);
        }).ToArray();
        var read = await Task.WhenAll(reads).ConfigureAwait(false);
        return (new ModelCatalog(read.Select(r => r.Model)), [.. read.SelectMany(r => r.Faults)]);
    }
}
