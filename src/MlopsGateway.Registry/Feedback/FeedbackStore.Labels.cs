using System.Globalization;
using System.Text.Json;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Feedback;

// Labels: one per prediction, checked, kept with their sender; and the senders left out.
public sealed partial class FeedbackStore
{
    /// <summary>
    /// Stores <paramref name="label"/> as the ground truth of the prediction of <paramref name="model"/>
    /// recorded as <paramref name="id"/>, sent by <paramref name="keyId"/>. Refused when no such
    /// prediction is recorded, when it has a label already (the first one stays: one label per
    /// prediction), or when the label is not one of the version's classes or not a number in its range.
    /// The label and its pair for the figures are written in one transaction, conditioned on no label existing.
    /// </summary>
    /// <exception cref="FeedbackRecordException">The prediction's record, or the label already there, is not a valid one.</exception>
    public async Task<LabelOutcome> SubmitLabelAsync(string model, string id, string label, string keyId)
    {
        var prediction = await GetPredictionAsync(model, id).ConfigureAwait(false);
        if (prediction is null)
        {
            return new LabelOutcome(LabelResult.UnknownId,
                $"No prediction of model '{model}' has id '{Shown(id)}': it was never recorded (a wrong id, or not sampled), or it expired (workers keep predictions for their --prediction-ttl, 7 days unless set).");
        }
        if (await GetLabelAsync(model, id).ConfigureAwait(false) is { } first)
        {
            return AlreadyLabelled(first);
        }
        var baseline = _baselines is null ? null : await _baselines(model, prediction.Version).ConfigureAwait(false);
        var schema = baseline is null ? await GetSchemaAsync(model, prediction.Version).ConfigureAwait(false) : null;
        var parsed = LabelCheck.Parse(prediction, label, baseline, schema);
        if (parsed.Problem is { } problem)
        {
            return new LabelOutcome(LabelResult.Invalid, problem);
        }
        var record = new LabelRecord(model, id, prediction.Version, parsed.Class, parsed.Value, label, keyId, _time.GetUtcNow());
        var pair = new LabelledPrediction(id, model, prediction.Version, prediction.Class, prediction.Probabilities, prediction.Value,
            parsed.Class, parsed.Value, keyId, prediction.At, record.At);
        var labelKey = _feedback.Label(model, id);
        var bucket = _feedback.Labelled(model, prediction.Version, FeedbackKeys.BucketOf(prediction.At));
        var transaction = _redis.GetDatabase().CreateTransaction();
        transaction.AddCondition(Condition.KeyNotExists(labelKey));
        _ = transaction.StringSetAsync(labelKey, JsonSerializer.Serialize(record), FigureRetention);
        _ = transaction.HashSetAsync(bucket, id, JsonSerializer.Serialize(pair, s_pairJson));
        _ = transaction.KeyExpireAsync(bucket, FigureRetention);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            // Another label arrived between the read and the write: the first one stays.
            return await GetLabelAsync(model, id).ConfigureAwait(false) is { } raced
                ? AlreadyLabelled(raced)
                : new LabelOutcome(LabelResult.UnknownId, $"The label of prediction '{Shown(id)}' of model '{model}' changed while it was being written; send it again.");
        }
        return new LabelOutcome(LabelResult.Accepted,
            $"Labelled prediction '{Shown(id)}' of model '{model}' version {prediction.Version} '{label}'.", record);
    }

    /// <summary>
    /// Leaves the labels <paramref name="keyId"/> sent (and will send) out of every figure, or, with
    /// <paramref name="undo"/>, counts them again; recorded in <see cref="FeedbackKeys.Audit"/> as done by
    /// <paramref name="by"/> (null: the OS user). Returns whether anything changed.
    /// </summary>
    public async Task<bool> ExcludeAsync(string keyId, bool undo = false, string? by = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        var db = _redis.GetDatabase();
        var changed = undo
            ? await db.SetRemoveAsync(_feedback.Excluded, keyId).ConfigureAwait(false)
            : await db.SetAddAsync(_feedback.Excluded, keyId).ConfigureAwait(false);
        if (changed)
        {
            var entry = new FeedbackExclusion(undo ? FeedbackExclusion.Included : FeedbackExclusion.Excluded, keyId,
                string.IsNullOrWhiteSpace(by) ? ApiKeyStore.DefaultActor : by, _time.GetUtcNow());
            await AuditTrail.AppendAsync(db, _feedback.Audit, JsonSerializer.Serialize(entry),
                new NameValueEntry("action", entry.Action), new NameValueEntry("key_id", keyId), new NameValueEntry("by", entry.By)).ConfigureAwait(false);
        }
        return changed;
    }

    /// <summary>The senders whose labels are left out of the figures.</summary>
    public async Task<IReadOnlySet<string>> ExcludedAsync()
    {
        var members = await _redis.GetDatabase().SetMembersAsync(_feedback.Excluded).ConfigureAwait(false);
        return members.Select(m => (string)m!).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The latest <paramref name="count"/> exclusions and their undoings, newest first.</summary>
    public Task<IReadOnlyList<FeedbackExclusion>> HistoryAsync(int count = 20) =>
        AuditTrail.LatestAsync<FeedbackExclusion>(_redis.GetDatabase(), _feedback.Audit, count);

    private static LabelOutcome AlreadyLabelled(LabelRecord first) => new(LabelResult.AlreadyLabelled,
        string.Create(CultureInfo.InvariantCulture,
            $"Prediction '{Shown(first.Id)}' of model '{first.Model}' was labelled '{first.Text}' at {first.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by key {first.KeyId}; a prediction takes one label, and the first one stays."),
        first);

    // Ids come from callers: a bounded piece of one in a message.
    internal static string Shown(string id) => id.Length <= 64 ? id : id[..64] + "…";
}
