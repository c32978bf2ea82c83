using System.Text.Json;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Feedback;

// The figures accuracy and coverage are computed from, per version and span of time.
public sealed partial class FeedbackStore
{
    /// <summary>
    /// The labelled predictions of <paramref name="model"/> version <paramref name="version"/> made in
    /// the minutes from <paramref name="from"/>'s up to <paramref name="to"/> (whole minutes: the buckets
    /// they are kept in), without the labels of excluded senders; invalid entries are left out (see
    /// <see cref="ReadLabelledAllAsync"/> for them).
    /// </summary>
    public async Task<IReadOnlyList<LabelledPrediction>> ReadLabelledAsync(string model, string version, DateTimeOffset from, DateTimeOffset to) =>
        (await ReadLabelledAllAsync(model, version, from, to).ConfigureAwait(false)).Records;

    /// <summary>As <see cref="ReadLabelledAsync"/>, with the entries skipped as invalid and why.</summary>
    public async Task<RecordsRead<LabelledPrediction>> ReadLabelledAllAsync(string model, string version, DateTimeOffset from, DateTimeOffset to)
    {
        var db = _redis.GetDatabase();
        var excluded = await ExcludedAsync().ConfigureAwait(false);
        var keys = FeedbackKeys.Buckets(from, to).Select(b => _feedback.Labelled(model, version, b)).ToArray();
        var batch = db.CreateBatch();
        var reads = keys.Select(k => batch.HashGetAllAsync(k)).ToArray();
        batch.Execute();
        var records = new List<LabelledPrediction>();
        var faults = new List<RecordFault>();
        for (var i = 0; i < keys.Length; i++)
        {
            foreach (var entry in await reads[i].ConfigureAwait(false))
            {
                var id = (string)entry.Name!;
                var location = $"{keys[i]} field {Shown(id)}";
                LabelledPrediction? pair;
                try
                {
                    pair = JsonSerializer.Deserialize<LabelledPrediction>((string)entry.Value!, s_pairJson);
                }
                catch (JsonException ex)
                {
                    faults.Add(new RecordFault(location, $"it is not a readable record (JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})"));
                    continue;
                }
                var problem = pair is null ? "it is JSON null, not a record" : FeedbackChecks.Pair(model, version, id, pair);
                if (problem is not null)
                {
                    faults.Add(new RecordFault(location, problem));
                }
                else if (!excluded.Contains(pair!.KeyId))
                {
                    records.Add(pair);
                }
            }
        }
        records.Sort((a, b) => a.PredictedAt.CompareTo(b.PredictedAt));
        return new RecordsRead<LabelledPrediction>(records, faults);
    }

    /// <summary>
    /// How many predictions of <paramref name="model"/> version <paramref name="version"/> workers
    /// recorded in the minutes from <paramref name="from"/>'s up to <paramref name="to"/> (the same whole
    /// minutes as <see cref="ReadLabelledAsync"/>); sampled-out predictions are not counted. A count
    /// that is not a whole number (written by hand) is left out.
    /// </summary>
    public async Task<long> CountPredictionsAsync(string model, string version, DateTimeOffset from, DateTimeOffset to)
    {
        var keys = FeedbackKeys.Buckets(from, to).Select(b => (RedisKey)_feedback.PredictionCount(model, version, b)).ToArray();
        if (keys.Length == 0)
        {
            return 0;
        }
        // One slot (the namespace's hash tag), so one MGET on a cluster too.
        var values = await _redis.GetDatabase().StringGetAsync(keys).ConfigureAwait(false);
        long total = 0;
        foreach (var value in values)
        {
            if (value.TryParse(out long count) && count > 0)
            {
                total += count;
            }
        }
        return total;
    }
}
