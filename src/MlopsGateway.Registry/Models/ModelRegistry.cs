using System.Text.Json;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Models;

/// <summary>
/// The model registry in Redis: every version's record (<see cref="ModelVersionRecord"/>), each
/// model's aliases and their history, and what gateways count of a version's callers. DI-free. Every
/// change is written in one transaction conditioned on what was read (a concurrent change is
/// retried or refused, never lost), then appended to the audit trail (<see cref="ModelKeys.Audit"/>)
/// and announced on <see cref="ModelKeys.Changed"/> with the model's name. Every record read is
/// checked first; one that fails is skipped with a <see cref="RecordFault"/>, or refused when it
/// was asked for by name.
/// </summary>
/// <remarks>
/// Registry changes do not raise the keys-and-routes change count (<see cref="RedisKeys.Generation"/>): <see cref="RegistryRestore"/>
/// writes back only keys and routes, which gateways hold; the registry's records are the source of
/// truth, not a copy a gateway could restore.
/// </remarks>
public sealed partial class ModelRegistry
{
    private const int MaxAttempts = 5;

    private readonly IConnectionMultiplexer _redis;
    private readonly ModelKeys _keys;
    private readonly TimeProvider _time;

    /// <summary>
    /// A registry over <paramref name="redis"/> in the namespace of <paramref name="keys"/> (the default one when null);
    /// <paramref name="time"/> stamps records and audit entries (the system clock when null).
    /// </summary>
    public ModelRegistry(IConnectionMultiplexer redis, TimeProvider? time = null, RedisKeys? keys = null)
    {
        _redis = redis;
        _keys = (keys ?? RedisKeys.Default).Models;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The keys this registry uses.</summary>
    public ModelKeys Keys => _keys;

    /// <summary>Every model name that has a version, sorted.</summary>
    public async Task<IReadOnlyList<string>> ModelsAsync()
    {
        var names = await Db.SetMembersAsync(_keys.Names).ConfigureAwait(false);
        return [.. names.Select(n => (string)n!).Order(StringComparer.Ordinal)];
    }

    /// <summary>Every valid version of every model, by model then version, and the records skipped with why.</summary>
    public async Task<RecordsRead<ModelVersionRecord>> ListAsync()
    {
        var records = new List<ModelVersionRecord>();
        var faults = new List<RecordFault>();
        foreach (var model in await ModelsAsync().ConfigureAwait(false))
        {
            var read = await VersionsAsync(model).ConfigureAwait(false);
            records.AddRange(read.Records);
            faults.AddRange(read.Faults);
        }
        return new RecordsRead<ModelVersionRecord>(records, faults);
    }

    /// <summary>Every valid version of <paramref name="model"/>, oldest version first, and the records skipped with why.</summary>
    public async Task<RecordsRead<ModelVersionRecord>> VersionsAsync(string model)
    {
        var entries = await Db.HashGetAllAsync(_keys.Versions(model)).ConfigureAwait(false);
        var (records, faults) = RedisJson.ReadFields<ModelVersionRecord>(
            entries, field => Location(model, field), (field, record) => ModelRecordChecks.Version(model, field, record));
        records.Sort((a, b) => VersionOrder.Compare(a.Version, b.Version));
        return new RecordsRead<ModelVersionRecord>(records, faults);
    }

    /// <summary>Version <paramref name="version"/> of <paramref name="model"/>, or null when there is none.</summary>
    /// <exception cref="ModelRegistryException">The record is there but cannot be used; its <see cref="ModelRegistryException.Fault"/> says why.</exception>
    public async Task<ModelVersionRecord?> GetAsync(string model, string version) =>
        Check(model, version, await Db.HashGetAsync(_keys.Versions(model), version).ConfigureAwait(false));

    /// <summary>The aliases of <paramref name="model"/> (without their <c>@</c>) and the versions they point at.</summary>
    public async Task<IReadOnlyDictionary<string, string>> AliasesAsync(string model)
    {
        var entries = await Db.HashGetAllAsync(_keys.Aliases(model)).ConfigureAwait(false);
        return new SortedDictionary<string, string>(entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!), StringComparer.Ordinal);
    }

    /// <summary>
    /// The version <paramref name="alias"/> (<c>@champion</c> or <c>champion</c>) of <paramref name="model"/>
    /// points at, or null when the model has no such alias.
    /// </summary>
    public async Task<string?> ResolveAliasAsync(string model, string alias) =>
        await Db.HashGetAsync(_keys.Aliases(model), ModelNames.TrimAlias(alias)).ConfigureAwait(false) is { IsNull: false } version ? (string)version! : null;

    /// <summary>
    /// The keys that called version <paramref name="version"/> of <paramref name="model"/>, as gateways
    /// counted them, the most recent caller first, and the entries skipped as unreadable.
    /// </summary>
    public async Task<RecordsRead<ModelCaller>> CallersAsync(string model, string version)
    {
        var key = _keys.Callers(model, version);
        var callers = new List<ModelCaller>();
        var faults = new List<RecordFault>();
        foreach (var entry in await Db.HashGetAllAsync(key).ConfigureAwait(false))
        {
            if (!RedisJson.TryRead<ModelCallerUse>(entry.Value, out var use, out var fault) || use is null)
            {
                faults.Add(new RecordFault($"{key} field {entry.Name}", fault ?? "it is empty"));
            }
            else if (ModelRecordChecks.Caller(use) is { } problem)
            {
                faults.Add(new RecordFault($"{key} field {entry.Name}", problem));
            }
            else
            {
                callers.Add(new ModelCaller((string)entry.Name!, use.Count, DateTimeOffset.FromUnixTimeMilliseconds(use.LastSeen)));
            }
        }
        callers.Sort((a, b) => b.LastSeen.CompareTo(a.LastSeen));
        return new RecordsRead<ModelCaller>(callers, faults);
    }

    /// <summary>The latest <paramref name="count"/> changes of <paramref name="model"/> (every model when null), newest first.</summary>
    public async Task<IReadOnlyList<ModelChange>> HistoryAsync(string? model, int count = 50) =>
        await ReadTrailAsync<ModelChange>(_keys.Audit, c => model is null || c.Model == model, count).ConfigureAwait(false);

    /// <summary>The latest <paramref name="count"/> moves of <paramref name="model"/>'s aliases, newest first.</summary>
    public async Task<IReadOnlyList<ModelAliasChange>> AliasHistoryAsync(string model, int count = 50) =>
        await ReadTrailAsync<ModelAliasChange>(_keys.AliasHistory(model), _ => true, count).ConfigureAwait(false);

    private IDatabase Db => _redis.GetDatabase();

    private string Location(string model, string field) => $"{_keys.Versions(model)} field {field}";

    private ModelVersionRecord? Check(string model, string version, RedisValue value)
    {
        if (!RedisJson.TryRead<ModelVersionRecord>(value, out var record, out var fault))
        {
            throw Unusable(new RecordFault(Location(model, version), fault!));
        }
        if (record is not null && ModelRecordChecks.Version(model, version, record) is { } problem)
        {
            throw Unusable(new RecordFault(Location(model, version), problem));
        }
        return record;
    }

    private static ModelRegistryException Unusable(RecordFault fault) =>
        new($"The record at {fault.Key} cannot be used: {fault.Fault}. Fix or remove it in Redis.", fault);

    private async Task<IReadOnlyList<T>> ReadTrailAsync<T>(string key, Func<T, bool> wanted, int count) where T : class
    {
        var entries = new List<T>();
        foreach (var json in await AuditTrail.ReadAsync(Db, key).ConfigureAwait(false))
        {
            if (RedisJson.Read<T>(json) is { } entry && wanted(entry))
            {
                entries.Add(entry);
                if (entries.Count == count)
                {
                    break;
                }
            }
        }
        return entries;
    }

    private static string Serialize(ModelVersionRecord record) => JsonSerializer.Serialize(record);

    /// <summary>What follows every change: its audit entry, then its announcement.</summary>
    private async Task RecordAsync(ModelChange change)
    {
        await AuditTrail.AppendAsync(Db, _keys.Audit, JsonSerializer.Serialize(change),
            new NameValueEntry("action", change.Action), new NameValueEntry("model", change.Model), new NameValueEntry("by", change.By)).ConfigureAwait(false);
        await AnnounceAsync(change.Model).ConfigureAwait(false);
    }

    private Task AnnounceAsync(string model) => _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(_keys.Changed), model);
}
