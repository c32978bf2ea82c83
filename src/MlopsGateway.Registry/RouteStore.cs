using System.Text.Json;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry;

/// <summary>
/// Routes in Redis, one per model in the hash <see cref="RedisKeys.Routes"/>. Every change is
/// validated against the registered workers (a version written <c>@alias</c> as the version the alias names), written only if nobody changed the route meanwhile,
/// announced on <see cref="RedisKeys.RoutesChanged"/> and appended to <see cref="RedisKeys.RoutesAudit"/>.
/// </summary>
public sealed class RouteStore
{
    /// <summary>Audit entries kept; older ones are trimmed.</summary>
    public const int AuditLength = AuditTrail.Length;

    private const int MaxAttempts = 5;

    private readonly IConnectionMultiplexer _redis;
    private readonly WorkerStore _workers;
    private readonly TimeProvider _time;
    private readonly RedisKeys _keys;

    /// <summary>
    /// A store over <paramref name="redis"/> in namespace <paramref name="keys"/> (<see cref="RedisKeys.Default"/> when null);
    /// <paramref name="time"/> stamps audit entries (the system clock when null).
    /// </summary>
    public RouteStore(IConnectionMultiplexer redis, TimeProvider? time = null, RedisKeys? keys = null)
    {
        _redis = redis;
        _keys = keys ?? RedisKeys.Default;
        _workers = new WorkerStore(redis, _keys);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The route of <paramref name="model"/>, or null when it has none.</summary>
    public async Task<RouteRecord?> GetAsync(string model) =>
        RedisJson.Read<RouteRecord>(await _redis.GetDatabase().HashGetAsync(_keys.Routes, model).ConfigureAwait(false));

    /// <summary>Every valid route, by model name.</summary>
    public async Task<IReadOnlyList<RouteRecord>> ListAsync() => (await ReadAllAsync().ConfigureAwait(false)).Records;

    /// <summary>Every valid route, by model name, and the records skipped as invalid (a field missing, say) with why.</summary>
    public async Task<RecordsRead<RouteRecord>> ReadAllAsync()
    {
        var entries = await _redis.GetDatabase().HashGetAllAsync(_keys.Routes).ConfigureAwait(false);
        var (routes, faults) = RedisJson.ReadFields<RouteRecord>(entries, field => RecordChecks.RouteLocation(_keys, field), RecordChecks.Route);
        routes.Sort((a, b) => string.CompareOrdinal(a.Model, b.Model));
        return new RecordsRead<RouteRecord>(routes, faults);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current route of <paramref name="model"/> (null when
    /// it has none); a null result removes the route. The new route is validated against the versions
    /// registered workers serve; with <paramref name="requireRegisteredWorkers"/> false, versions none
    /// of them serves are accepted (static workers serve them) and named in the change and its audit entry.
    /// </summary>
    /// <exception cref="RouteValidationException">The new route is not valid; nothing was changed.</exception>
    public async Task<RouteChange> ChangeAsync(
        string model, Func<RouteRecord?, IReadOnlyList<string>, RouteRecord?> change, string by, bool requireRegisteredWorkers = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var db = _redis.GetDatabase();
        for (var attempt = 1; ; attempt++)
        {
            var current = await db.HashGetAsync(_keys.Routes, model).ConfigureAwait(false);
            var before = RedisJson.Read<RouteRecord>(current);
            var served = WorkerStore.VersionsOf(await _workers.ListAsync().ConfigureAwait(false), model);
            var now = _time.GetUtcNow();
            var after = change(before, served) is { } next ? next with { Model = model, UpdatedAt = now, UpdatedBy = by } : null;
            // A route may name the model's aliases (@champion): checked against the versions they name now.
            var aliases = after is not null && (RouteValidator.IsAlias(after.Stable) || RouteValidator.IsAlias(after.Canary) || RouteValidator.IsAlias(after.Shadow))
                ? await new Models.ModelRegistry(_redis, _time, _keys).AliasesAsync(model).ConfigureAwait(false)
                : null;
            IReadOnlyList<string> unregistered = after is null ? [] : RouteValidator.Unserved(after, served, aliases);
            if (after is not null)
            {
                var errors = RouteValidator.Validate(after, served, requireRegisteredWorkers, aliases);
                if (errors.Count > 0)
                {
                    throw new RouteValidationException(errors, unregistered);
                }
            }

            // Optimistic concurrency: two people changing one route at once must not lose a change silently.
            var transaction = db.CreateTransaction();
            transaction.AddCondition(current.IsNull
                ? Condition.HashNotExists(_keys.Routes, model)
                : Condition.HashEqual(_keys.Routes, model, current));
            _ = after is null
                ? transaction.HashDeleteAsync(_keys.Routes, model)
                : transaction.HashSetAsync(_keys.Routes, model, JsonSerializer.Serialize(after));
            _ = transaction.StringIncrementAsync(_keys.Generation);
            if (await transaction.ExecuteAsync().ConfigureAwait(false))
            {
                var record = new RouteChange(model, by, now, before, after, unregistered.Count == 0 ? null : unregistered);
                await RecordAsync(record).ConfigureAwait(false);
                return record;
            }
            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"The route of model '{model}' kept changing while this change was made; try again.");
            }
        }
    }

    /// <summary>The latest <paramref name="count"/> changes, newest first, of <paramref name="model"/> (or of every model when null).</summary>
    public async Task<IReadOnlyList<RouteChange>> HistoryAsync(string? model, int count = 20)
    {
        var changes = new List<RouteChange>();
        foreach (var json in await AuditTrail.ReadAsync(_redis.GetDatabase(), _keys.RoutesAudit).ConfigureAwait(false))
        {
            if (RedisJson.Read<RouteChange>(json) is { } change && (model is null || change.Model == model))
            {
                changes.Add(change);
                if (changes.Count == count)
                {
                    break;
                }
            }
        }
        return changes;
    }

    /// <summary>What follows a route change made in Redis: its audit entry, then its announcement to gateways.</summary>
    internal async Task RecordAsync(RouteChange change)
    {
        await AuditTrail.AppendAsync(_redis.GetDatabase(), _keys.RoutesAudit, JsonSerializer.Serialize(change),
            new NameValueEntry("model", change.Model), new NameValueEntry("by", change.By)).ConfigureAwait(false);
        await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(_keys.RoutesChanged), change.Model).ConfigureAwait(false);
    }
}
