using StackExchange.Redis;

namespace MlopsGateway.Registry.Models;

public sealed partial class ModelRegistry
{
    /// <summary>
    /// Deprecates version <paramref name="version"/> of <paramref name="model"/>: it keeps serving until
    /// <paramref name="sunset"/>, and callers are pointed to <paramref name="replacement"/> (a READY
    /// version in service, or null). Deprecating again replaces the deprecation. Audited, by <paramref name="by"/>.
    /// </summary>
    /// <exception cref="ModelRegistryException">No such version, it is retired, or the replacement cannot serve; nothing was changed.</exception>
    public async Task<ModelVersionRecord> DeprecateAsync(string model, string version, DateTimeOffset sunset, string? replacement, string? note, string by)
    {
        if (replacement is not null)
        {
            if (replacement == version)
            {
                throw new ModelRegistryException($"Version {version} cannot replace itself; name another version as the replacement.");
            }
            var next = await GetAsync(model, replacement).ConfigureAwait(false)
                ?? throw new ModelRegistryException($"'{model}' has no version {replacement} to name as the replacement.");
            if (!next.IsServable)
            {
                throw new ModelRegistryException($"Version {replacement} of '{model}' is {(next.IsRetired ? "retired" : Status(next))}; a replacement must be READY and in service.");
            }
        }
        var now = _time.GetUtcNow();
        var deprecation = new ModelDeprecation(sunset, replacement, string.IsNullOrWhiteSpace(note) ? null : note, by, now);
        var detail = $"sunset {sunset.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z{(replacement is null ? "" : ", replacement " + replacement)}{(deprecation.Note is null ? "" : ": " + deprecation.Note)}";
        return await UpdateAsync(model, version, ModelChange.Deprecated, by, detail, record =>
        {
            if (record.IsRetired)
            {
                throw new ModelRegistryException($"Version {version} of '{model}' is retired already; there is nothing left to deprecate.");
            }
            return record with { Deprecation = deprecation };
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Retires version <paramref name="version"/> of <paramref name="model"/>: workers unload it and it
    /// is not served again. Refused while an alias points at it (move the alias first). Retiring a
    /// retired version returns it unchanged. Audited, by <paramref name="by"/>.
    /// </summary>
    /// <exception cref="ModelRegistryException">No such version, or an alias points at it; nothing was changed.</exception>
    public async Task<ModelVersionRecord> RetireAsync(string model, string version, string by)
    {
        var existing = await GetAsync(model, version).ConfigureAwait(false);
        if (existing?.IsRetired == true)
        {
            return existing;
        }
        return await UpdateAsync(model, version, ModelChange.Retired, by, "taken out of service", record =>
            record with { RetiredAt = _time.GetUtcNow(), RetiredBy = by }, guardAliases: true).ConfigureAwait(false);
    }

    /// <summary>Replaces a version's record with <paramref name="change"/>'s, conditioned on it (and, when guarded, on the aliases) not changing meanwhile.</summary>
    private async Task<ModelVersionRecord> UpdateAsync(
        string model, string version, string action, string by, string detail, Func<ModelVersionRecord, ModelVersionRecord> change, bool guardAliases = false)
    {
        var key = _keys.Versions(model);
        for (var attempt = 1; ; attempt++)
        {
            var stored = await Db.HashGetAsync(key, version).ConfigureAwait(false);
            var record = Check(model, version, stored)
                ?? throw new ModelRegistryException($"'{model}' has no version {version}. 'mlops models show {model}' lists its versions.");
            var updated = change(record);
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(Condition.HashEqual(key, version, stored));
            if (guardAliases)
            {
                var aliases = await Db.HashGetAllAsync(_keys.Aliases(model)).ConfigureAwait(false);
                if (aliases.Where(a => a.Value == version).Select(a => "@" + a.Name).ToList() is { Count: > 0 } pointing)
                {
                    throw new ModelRegistryException(
                        $"{string.Join(", ", pointing)} of '{model}' point{(pointing.Count == 1 ? "s" : "")} at version {version}; move {(pointing.Count == 1 ? "it" : "them")} first ('mlops models alias set {model} NAME VERSION').");
                }
                transaction.AddCondition(Condition.HashLengthEqual(_keys.Aliases(model), aliases.Length));
                foreach (var alias in aliases)
                {
                    transaction.AddCondition(Condition.HashEqual(_keys.Aliases(model), alias.Name, alias.Value));
                }
            }
            _ = transaction.HashSetAsync(key, version, Serialize(updated));
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                await RecordAsync(new ModelChange(action, model, version, by, _time.GetUtcNow(), detail)).ConfigureAwait(false);
                return updated;
            }
            if (attempt == MaxAttempts)
            {
                throw new ModelRegistryException($"Version {version} of '{model}' kept changing while this change was made; try again.");
            }
        }
    }
}
