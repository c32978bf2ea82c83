using System.Text.Json;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Models;

public sealed partial class ModelRegistry
{
    /// <summary>
    /// Points <paramref name="alias"/> (<c>@champion</c> or <c>champion</c>) of <paramref name="model"/> at
    /// <paramref name="version"/>, which must be READY and not retired. The move goes into the model's
    /// alias history and the audit trail, by <paramref name="by"/>. Returns the move, or null when the
    /// alias pointed there already (nothing was recorded).
    /// </summary>
    /// <exception cref="ModelRegistryException">The alias or version is not valid, or the version cannot be served; nothing was changed.</exception>
    public async Task<ModelAliasChange?> SetAliasAsync(string model, string alias, string version, string by)
    {
        alias = ModelNames.TrimAlias(alias);
        if (ModelNames.CheckAlias(alias) is { } badAlias)
        {
            throw new ModelRegistryException($"Cannot set the alias: {badAlias}.");
        }
        for (var attempt = 1; ; attempt++)
        {
            var stored = await Db.HashGetAsync(_keys.Versions(model), version).ConfigureAwait(false);
            var target = Check(model, version, stored)
                ?? throw new ModelRegistryException($"'{model}' has no version {version}. 'mlops models show {model}' lists its versions.");
            if (!target.IsServable)
            {
                throw new ModelRegistryException(target.IsRetired
                    ? $"Version {version} of '{model}' is retired; an alias must point at a version in service."
                    : $"Version {version} of '{model}' is {Status(target)}; an alias must point at a READY version.");
            }
            var current = await Db.HashGetAsync(_keys.Aliases(model), alias).ConfigureAwait(false);
            if (current == version)
            {
                return null;
            }
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(AliasIs(model, alias, current));
            // Conditioned on the target too, so a retirement made meanwhile is not pointed at.
            transaction.AddCondition(Condition.HashEqual(_keys.Versions(model), version, stored));
            _ = transaction.HashSetAsync(_keys.Aliases(model), alias, version);
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                return await RecordAliasAsync(new ModelAliasChange(model, alias, current.IsNull ? null : (string)current!, version, by, _time.GetUtcNow()))
                    .ConfigureAwait(false);
            }
            if (attempt == MaxAttempts)
            {
                throw new ModelRegistryException($"The alias @{alias} of '{model}' kept moving while this change was made; try again.");
            }
        }
    }

    /// <summary>
    /// Removes <paramref name="alias"/> of <paramref name="model"/>, recording it in its history and the
    /// audit trail; null when the model had no such alias.
    /// </summary>
    public async Task<ModelAliasChange?> RemoveAliasAsync(string model, string alias, string by)
    {
        alias = ModelNames.TrimAlias(alias);
        for (var attempt = 1; ; attempt++)
        {
            var current = await Db.HashGetAsync(_keys.Aliases(model), alias).ConfigureAwait(false);
            if (current.IsNull)
            {
                return null;
            }
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(AliasIs(model, alias, current));
            _ = transaction.HashDeleteAsync(_keys.Aliases(model), alias);
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                return await RecordAliasAsync(new ModelAliasChange(model, alias, current!, null, by, _time.GetUtcNow())).ConfigureAwait(false);
            }
            if (attempt == MaxAttempts)
            {
                throw new ModelRegistryException($"The alias @{alias} of '{model}' kept moving while this change was made; try again.");
            }
        }
    }

    private Condition AliasIs(string model, string alias, RedisValue current) => current.IsNull
        ? Condition.HashNotExists(_keys.Aliases(model), alias)
        : Condition.HashEqual(_keys.Aliases(model), alias, current);

    private async Task<ModelAliasChange> RecordAliasAsync(ModelAliasChange move)
    {
        await AuditTrail.AppendAsync(Db, _keys.AliasHistory(move.Model), JsonSerializer.Serialize(move),
            new NameValueEntry("alias", move.Alias), new NameValueEntry("by", move.By)).ConfigureAwait(false);
        var (action, version, detail) = move.To is null
            ? (ModelChange.AliasRemoved, move.From, $"@{move.Alias} removed (was {move.From})")
            : (ModelChange.AliasSet, move.To, $"@{move.Alias} {move.From ?? "(new)"} -> {move.To}");
        await RecordAsync(new ModelChange(action, move.Model, version, move.By, move.At, detail, move.Alias)).ConfigureAwait(false);
        return move;
    }

    private static string Status(ModelVersionRecord record) => record.Status switch
    {
        ModelStatus.Pending => "PENDING",
        ModelStatus.Ready => "READY",
        _ => "FAILED",
    };
}
