using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Console.Models;

/// <summary>
/// Reads the models page's figures: the registry's versions (validated as the registry reads them),
/// aliases, callers of each version, the routes and workers of the gateway's current snapshot.
/// </summary>
internal sealed class ModelsApi(IConnectionMultiplexer redis, RedisKeys keys, SnapshotCache snapshots, TimeProvider time)
{
    private readonly ModelRegistry _registry = new(redis, time, keys);

    /// <summary>Every model known to the registry, the routes or the workers, by name.</summary>
    public async Task<ModelsView> ListAsync()
    {
        var snapshot = snapshots.Current;
        var read = await _registry.ListAsync().ConfigureAwait(false);
        var names = read.Records.Select(r => r.Model)
            .Concat(snapshot.StoredRoutes.Select(r => r.Model))
            .Concat(snapshot.Workers.SelectMany(w => w.Models).Select(m => m.Model))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var faults = new List<RecordFault>(read.Faults);
        var models = new List<ModelView>();
        foreach (var name in names)
        {
            models.Add(await ViewAsync(name, read.Records.Where(r => r.Model == name).ToList(), snapshot, faults).ConfigureAwait(false));
        }
        return new ModelsView(models, faults);
    }

    /// <summary>One model, or null when nothing knows it.</summary>
    public async Task<(ModelView? Model, IReadOnlyList<RecordFault> Faults)> GetAsync(string name)
    {
        var snapshot = snapshots.Current;
        var read = await _registry.VersionsAsync(name).ConfigureAwait(false);
        var faults = new List<RecordFault>(read.Faults);
        var known = read.Records.Count > 0
            || snapshot.StoredRoutes.Any(r => r.Model == name)
            || snapshot.Workers.Any(w => w.Models.Any(m => m.Model == name));
        return known ? (await ViewAsync(name, read.Records, snapshot, faults).ConfigureAwait(false), faults) : (null, faults);
    }

    private async Task<ModelView> ViewAsync(string name, IReadOnlyList<ModelVersionRecord> records, GatewaySnapshot snapshot, List<RecordFault> faults)
    {
        var aliases = await _registry.AliasesAsync(name).ConfigureAwait(false);
        var served = snapshot.Workers.SelectMany(w => w.Models).Where(m => m.Model == name).Select(m => m.Version);
        var versions = records.Select(r => r.Version).Concat(served).Distinct(StringComparer.Ordinal).ToList();
        versions.Sort(VersionOrder.Compare);
        var keyNames = snapshot.Keys.Records.GroupBy(k => k.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);
        var views = new List<VersionView>();
        foreach (var version in versions)
        {
            var callers = await _registry.CallersAsync(name, version).ConfigureAwait(false);
            faults.AddRange(callers.Faults);
            var record = records.FirstOrDefault(r => r.Version == version);
            views.Add(new VersionView(
                version, record is not null, record?.Status, record?.StatusReason, record?.Sha256, record?.Size, record?.Signature,
                record?.Description, record?.Labels, record?.Lineage, record?.Metrics, record?.CreatedBy, record?.CreatedAt,
                record?.Deprecation, record?.RetiredAt, record?.RetiredBy,
                [.. aliases.Where(a => a.Value == version).Select(a => a.Key)],
                snapshot.Workers.Count(w => w.Serves(name, version)),
                [.. callers.Records.Select(c => new CallerView(c.KeyId, keyNames.GetValueOrDefault(c.KeyId), c.Count, c.LastSeen))]));
        }
        return new ModelView(name, snapshot.StoredRoutes.FirstOrDefault(r => r.Model == name), aliases, views);
    }
}
