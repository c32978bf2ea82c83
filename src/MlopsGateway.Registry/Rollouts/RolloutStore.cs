using System.Text.Json;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// Rollout records in Redis, one key per model (<see cref="RolloutKeys.Rollout"/>) listed in
/// <see cref="RolloutKeys.Index"/>. People's requests (start, pause, resume, abort, confirm) are
/// written only if nobody changed the record meanwhile; the controller's writes are also conditioned
/// on its lease's hold and never replace a record written under a newer fencing token. Every
/// decision goes to the audit trail (<see cref="RolloutKeys.Audit"/>) with its evidence. Every
/// record read is checked (<see cref="RolloutChecks"/>); a bad one is a fault, never acted on.
/// </summary>
public sealed class RolloutStore
{
    private const int MaxAttempts = 5;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;

    /// <summary>A store over <paramref name="redis"/> in namespace <paramref name="keys"/> (the default when null).</summary>
    public RolloutStore(IConnectionMultiplexer redis, RedisKeys? keys = null, TimeProvider? time = null)
    {
        _redis = redis;
        _keys = keys ?? RedisKeys.Default;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The rollout of <paramref name="model"/> as stored now: its record (null when none, or bad) and its fault.</summary>
    public async Task<RolloutSnapshot> ReadAsync(string model)
    {
        var key = _keys.Rollouts.Rollout(model);
        var stored = await _redis.GetDatabase().StringGetAsync(key).ConfigureAwait(false);
        return Check(model, key, stored);
    }

    /// <summary>Every model's rollout listed in the index, by model name, faults included.</summary>
    public async Task<IReadOnlyList<RolloutSnapshot>> ReadAllAsync()
    {
        var db = _redis.GetDatabase();
        var models = (await db.SetMembersAsync(_keys.Rollouts.Index).ConfigureAwait(false)).Select(m => (string)m!).Order(StringComparer.Ordinal).ToList();
        var reads = models.Select(m => db.StringGetAsync(_keys.Rollouts.Rollout(m))).ToList();
        var values = await Task.WhenAll(reads).ConfigureAwait(false);
        return [.. models.Select((m, i) => Check(m, _keys.Rollouts.Rollout(m), values[i])).Where(s => s.Stored is not null)];
    }

    /// <summary>
    /// Writes a new rollout of <paramref name="record"/>'s model; a finished one is replaced, a running one refuses.
    /// </summary>
    /// <exception cref="RolloutConflictException">A rollout of the model is running.</exception>
    public async Task<RolloutRecord> StartAsync(RolloutRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var current = await ReadAsync(record.Model).ConfigureAwait(false);
        if (current.Record is { IsFinished: false } running)
        {
            throw new RolloutConflictException($"A rollout of '{record.Model}' is already running (version {running.Canary}, {running.Phase}, "
                + $"started {running.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by {running.StartedBy}): 'mlops rollout abort --model {record.Model}' stops it.");
        }
        if (!await WriteAsync(current, record, hold: null).ConfigureAwait(false))
        {
            throw new RolloutConflictException($"The rollout of '{record.Model}' changed while this one was being started; try again.");
        }
        await AppendAsync(Decision(record, RolloutDecisions.Start, record.Reason, [], record.StartedBy, 0)).ConfigureAwait(false);
        return record;
    }

    /// <summary>
    /// A person's request to the running rollout of <paramref name="model"/>: <paramref name="change"/> of the current
    /// record (throw from it to refuse), written if nobody changed it meanwhile, and audited as <paramref name="decision"/>.
    /// </summary>
    /// <exception cref="RolloutConflictException">The model has no running rollout, or it kept changing.</exception>
    public async Task<RolloutRecord> RequestAsync(string model, string decision, string by, Func<RolloutRecord, RolloutRecord> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await ReadAsync(model).ConfigureAwait(false);
            if (current.Fault is { } fault)
            {
                throw new RolloutConflictException($"The rollout of '{model}' cannot be read ({fault.Fault}); 'mlops rollout start' replaces it once removed.");
            }
            if (current.Record is not { IsFinished: false } running)
            {
                throw new RolloutConflictException(current.Record is null
                    ? $"Model '{model}' has no rollout; 'mlops rollout start --model {model} --version V' starts one."
                    : $"The rollout of '{model}' has finished ({current.Record.Phase}: {current.Record.Reason}).");
            }
            var next = change(running) with { UpdatedAt = _time.GetUtcNow() };
            if (await WriteAsync(current, next, hold: null).ConfigureAwait(false))
            {
                await AppendAsync(Decision(next, decision, next.Reason, [], by, 0)).ConfigureAwait(false);
                return next;
            }
            if (attempt == MaxAttempts)
            {
                throw new RolloutConflictException($"The rollout of '{model}' kept changing while this request was made; try again.");
            }
        }
    }

    /// <summary>
    /// The controller's write of <paramref name="next"/> over <paramref name="current"/>, under <paramref name="hold"/>:
    /// made only while the lease is still that hold, the record is still <paramref name="current"/> and no newer
    /// fencing token wrote it; false otherwise (nothing written). The record is stamped with the hold's token.
    /// </summary>
    public Task<bool> WriteAsLeaderAsync(RolloutSnapshot current, RolloutRecord next, LeaseHold hold)
    {
        ArgumentNullException.ThrowIfNull(hold);
        return current.Record is { } record && record.Fence > hold.Token
            ? Task.FromResult(false)
            : WriteAsync(current, next with { Fence = hold.Token, UpdatedAt = _time.GetUtcNow() }, hold);
    }

    /// <summary>Appends <paramref name="decision"/> to the audit trail.</summary>
    public Task AppendAsync(RolloutDecision decision) =>
        AuditTrail.AppendAsync(_redis.GetDatabase(), _keys.Rollouts.Audit, JsonSerializer.Serialize(decision),
            new NameValueEntry("model", decision.Model), new NameValueEntry("decision", decision.Decision));

    /// <summary>The latest <paramref name="count"/> decisions about <paramref name="model"/>'s rollouts (every model's when null), newest first.</summary>
    public async Task<IReadOnlyList<RolloutDecision>> HistoryAsync(string? model, int count = 20)
    {
        var decisions = new List<RolloutDecision>();
        foreach (var json in await AuditTrail.ReadAsync(_redis.GetDatabase(), _keys.Rollouts.Audit).ConfigureAwait(false))
        {
            if (RedisJson.Read<RolloutDecision>(json) is { } decision && (model is null || decision.Model == model))
            {
                decisions.Add(decision);
                if (decisions.Count == count)
                {
                    break;
                }
            }
        }
        return decisions;
    }

    /// <summary>A decision about <paramref name="record"/> (its state after it), with its evidence.</summary>
    public RolloutDecision Decision(RolloutRecord record, string decision, string reason, IReadOnlyList<CriterionVerdict> verdicts, string by, long fence)
    {
        var at = _time.GetUtcNow();
        return new RolloutDecision($"{record.Model}@{record.StartedAt.ToUnixTimeSeconds()}:{decision}:{at.ToUnixTimeMilliseconds()}",
            record.Model, record.Canary, record.Stable, decision, record.Phase, record.Step, record.Weight, record.DryRun, reason, verdicts, by, at, fence);
    }

    private async Task<bool> WriteAsync(RolloutSnapshot current, RolloutRecord next, LeaseHold? hold)
    {
        if (RolloutChecks.Problem(next.Model, next) is { } problem)
        {
            throw new ArgumentException($"The rollout of '{next.Model}' is not valid: {problem}.", nameof(next));
        }
        var key = _keys.Rollouts.Rollout(next.Model);
        var transaction = _redis.GetDatabase().CreateTransaction();
        transaction.AddCondition(current.Stored is null ? Condition.KeyNotExists(key) : Condition.StringEqual(key, current.Stored));
        if (hold is not null)
        {
            transaction.AddCondition(Condition.StringEqual(_keys.Rollouts.Lease, hold.Value));
        }
        _ = transaction.StringSetAsync(key, JsonSerializer.Serialize(next));
        _ = transaction.SetAddAsync(_keys.Rollouts.Index, next.Model);
        return await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    private static RolloutSnapshot Check(string model, string key, RedisValue stored)
    {
        if (!RedisJson.TryRead<RolloutRecord>(stored, out var record, out var fault))
        {
            return new RolloutSnapshot(model, null, stored, new RecordFault(key, fault!));
        }
        if (record is not null && RolloutChecks.Problem(model, record) is { } problem)
        {
            return new RolloutSnapshot(model, null, stored, new RecordFault(key, problem));
        }
        return new RolloutSnapshot(model, record, stored.IsNull ? null : (string?)stored, null);
    }
}

/// <summary>A rollout record as read: the record when valid, what was stored (for conditioned writes) and why it was not usable.</summary>
/// <param name="Model">The model.</param>
/// <param name="Record">The record, or null when there is none or it is not valid.</param>
/// <param name="Stored">The stored JSON, or null when there is none.</param>
/// <param name="Fault">Why the stored value is not a usable record, or null.</param>
public sealed record RolloutSnapshot(string Model, RolloutRecord? Record, string? Stored, RecordFault? Fault);

/// <summary>A rollout request refused because of the rollout's state (one running already, none running): nothing was changed.</summary>
public sealed class RolloutConflictException : InvalidOperationException
{
    /// <summary>A refusal saying <paramref name="message"/>.</summary>
    public RolloutConflictException(string message) : base(message)
    {
    }

    /// <summary>A refusal with no message.</summary>
    public RolloutConflictException()
    {
    }

    /// <summary>A refusal saying <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public RolloutConflictException(string message, Exception inner) : base(message, inner)
    {
    }
}
