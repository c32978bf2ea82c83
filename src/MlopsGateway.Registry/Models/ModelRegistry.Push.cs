using System.Globalization;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Models;

public sealed partial class ModelRegistry
{
    /// <summary>
    /// Records <paramref name="draft"/> as a new version of its model. Its <see cref="ModelVersionRecord.Version"/>
    /// is the one asked for, or empty for the next number (the highest numeric version plus one); its
    /// <see cref="ModelVersionRecord.Status"/> is what the push found (<see cref="ModelStatus.Ready"/>
    /// when ONNX Runtime loaded the file, <see cref="ModelStatus.Failed"/> with a reason when not). The
    /// version is first recorded <see cref="ModelStatus.Pending"/>, which claims its number in one
    /// conditioned write; <paramref name="storeArtifact"/> then copies the file into the artefact store
    /// (skipped for a failed file), and the status is settled, audited and announced. Pushing bytes the
    /// model already holds (the same sha256) changes nothing and returns that version; a push left
    /// pending by a process that stopped part way is finished by pushing the same bytes again.
    /// </summary>
    /// <exception cref="ModelRegistryException">
    /// The version asked for holds other bytes (versions are immutable), or a name is not valid; nothing was changed.
    /// </exception>
    public async Task<ModelPushResult> PushAsync(ModelVersionRecord draft, Func<ModelVersionRecord, Task>? storeArtifact = null)
    {
        ArgumentNullException.ThrowIfNull(draft);
        if ((ModelNames.CheckModel(draft.Model) ?? (draft.Version.Length > 0 ? ModelNames.CheckVersion(draft.Version) : null)) is { } badName)
        {
            throw new ModelRegistryException($"Cannot push: {badName}.");
        }
        if (!ModelRecordChecks.IsSha256(draft.Sha256))
        {
            throw new ModelRegistryException("Cannot push: the sha256 is not 64 lower-case hex digits.");
        }
        var (pending, created) = await ClaimAsync(draft).ConfigureAwait(false);
        if (pending.Status != ModelStatus.Pending)
        {
            return new ModelPushResult(pending, Created: false);
        }

        var final = draft.Status == ModelStatus.Pending ? ModelStatus.Ready : draft.Status;
        var reason = final == ModelStatus.Failed ? draft.StatusReason : null;
        if (final == ModelStatus.Ready && storeArtifact is not null)
        {
            try
            {
                await storeArtifact(pending).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                (final, reason) = (ModelStatus.Failed, $"its file could not be copied into the artefact store: {ex.Message}");
            }
        }
        var settled = await SettleAsync(pending, final, reason).ConfigureAwait(false);
        return new ModelPushResult(settled, created);
    }

    /// <summary>The version holding these bytes already, or a new one recorded pending under a number nobody else holds.</summary>
    private async Task<(ModelVersionRecord Record, bool Created)> ClaimAsync(ModelVersionRecord draft)
    {
        var model = draft.Model;
        var key = _keys.Versions(model);
        for (var attempt = 1; ; attempt++)
        {
            var entries = await Db.HashGetAllAsync(key).ConfigureAwait(false);
            var held = RedisJson.ReadFields<ModelVersionRecord>(entries, f => Location(model, f), (f, r) => ModelRecordChecks.Version(model, f, r)).Records;
            if (held.FirstOrDefault(r => r.Sha256 == draft.Sha256) is { } same)
            {
                return (same, false);
            }
            var version = draft.Version;
            if (version.Length > 0 && entries.Any(e => e.Name == version))
            {
                var holder = held.FirstOrDefault(r => r.Version == version);
                throw new ModelRegistryException(holder is null
                    ? $"Version {version} of '{model}' exists (its record cannot be read); versions are immutable. Push without --version for the next number."
                    : $"Version {version} of '{model}' holds another file (sha256 {holder.Sha256}); versions are immutable. Push without --version for the next number.");
            }
            if (version.Length == 0)
            {
                version = NextVersion(entries.Select(e => (string)e.Name!));
            }
            var record = draft with
            {
                Version = version,
                Artifact = ModelVersionRecord.ArtifactPath(model, version),
                CreatedAt = _time.GetUtcNow(),
                Status = ModelStatus.Pending,
                StatusReason = null,
                Deprecation = null,
                RetiredAt = null,
                RetiredBy = null,
            };
            var transaction = Db.CreateTransaction();
            transaction.AddCondition(Condition.HashNotExists(key, version));
            _ = transaction.HashSetAsync(key, version, Serialize(record));
            _ = transaction.SetAddAsync(_keys.Names, model);
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                await AnnounceAsync(model).ConfigureAwait(false);
                return (record, true);
            }
            if (attempt == MaxAttempts)
            {
                throw new ModelRegistryException($"Versions of '{model}' kept being pushed while this push was made; push again.");
            }
        }
    }

    /// <summary>Sets a pending version's final status; when another push of the same bytes settled it first, returns what it settled.</summary>
    private async Task<ModelVersionRecord> SettleAsync(ModelVersionRecord pending, ModelStatus status, string? reason)
    {
        var key = _keys.Versions(pending.Model);
        var settled = pending with { Status = status, StatusReason = reason };
        var transaction = Db.CreateTransaction();
        transaction.AddCondition(Condition.HashEqual(key, pending.Version, Serialize(pending)));
        _ = transaction.HashSetAsync(key, pending.Version, Serialize(settled));
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            return await GetAsync(pending.Model, pending.Version).ConfigureAwait(false)
                ?? throw new ModelRegistryException($"Version {pending.Version} of '{pending.Model}' was removed while it was being pushed.");
        }
        var detail = $"sha256 {settled.Sha256}, {settled.Size} bytes, {(status == ModelStatus.Ready ? "READY" : "FAILED: " + reason)}";
        await RecordAsync(new ModelChange(ModelChange.Pushed, settled.Model, settled.Version, settled.CreatedBy, _time.GetUtcNow(), detail))
            .ConfigureAwait(false);
        return settled;
    }

    /// <summary>The highest numeric version plus one (1 for a model with none); named versions do not count.</summary>
    internal static string NextVersion(IEnumerable<string> versions)
    {
        var highest = 0L;
        foreach (var version in versions)
        {
            if (long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > highest)
            {
                highest = number;
            }
        }
        return (highest + 1).ToString(CultureInfo.InvariantCulture);
    }
}
