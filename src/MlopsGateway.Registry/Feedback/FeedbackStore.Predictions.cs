using System.Buffers;
using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Feedback;

// Recorded predictions: written by the batch into hourly hashes, found by id through the buckets' index.
public sealed partial class FeedbackStore
{
    // Reads the buckets in the order given and answers the first record with the id (and which key held
    // it): one round trip
    // whatever the number of buckets, where a pipelined HGET per bucket would cost Redis a command each.
    private const string FindScript = """
        for i = 1, #KEYS do
          local record = redis.call('HGET', KEYS[i], ARGV[1])
          if record then return {i, record} end
        end
        return false
        """;

    /// <summary>
    /// Writes <paramref name="predictions"/> in one pipelined batch of a few commands, however many
    /// they are: per model and hour, one HSET of all its records (so a prediction answered twice keeps
    /// one record, the last), an EXPIRE of <paramref name="ttl"/> and the bucket's entry in the model's
    /// index; and the count of each version's predictions per minute raised by as many (kept
    /// <see cref="FigureRetention"/>). A command per prediction made Redis, on the worker's cores, cost
    /// the worker 40% of its throughput (perf/monitoring-overhead.md).
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<PredictionRecord> predictions, TimeSpan ttl)
    {
        if (predictions.Count == 0)
        {
            return;
        }
        var now = _time.GetUtcNow();
        var buckets = new Dictionary<(string Model, DateTimeOffset Start), List<HashEntry>>();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        // Every value is a slice of one buffer the batch owns until its writes are done: no array per record.
        var values = new ArrayBufferWriter<byte>(predictions.Count * 64);
        var ends = new int[predictions.Count];
        using (var json = new Utf8JsonWriter(values))
        {
            for (var i = 0; i < predictions.Count; i++)
            {
                StoredPrediction.Write(json, predictions[i]);
                json.Flush();
                json.Reset();
                ends[i] = values.WrittenCount;
            }
        }
        var written = values.WrittenMemory;
        for (var i = 0; i < predictions.Count; i++)
        {
            var prediction = predictions[i];
            var bucket = (prediction.Model, FeedbackKeys.RecordBucketOf(prediction.At));
            if (!buckets.TryGetValue(bucket, out var entries))
            {
                buckets[bucket] = entries = new List<HashEntry>(predictions.Count);
            }
            var start = i == 0 ? 0 : ends[i - 1];
            entries.Add(new HashEntry(prediction.Id, written[start..ends[i]]));
            var count = _feedback.PredictionCount(prediction.Model, prediction.Version, FeedbackKeys.BucketOf(prediction.At));
            counts[count] = counts.GetValueOrDefault(count) + 1;
        }
        var batch = _redis.GetDatabase().CreateBatch();
        var writes = new List<Task>((buckets.Count * 4) + (counts.Count * 2));
        // The index's score says when a bucket's records expire, so a lookup skips the buckets gone.
        var expires = (now + ttl).ToUnixTimeSeconds();
        foreach (var ((model, start), entries) in buckets)
        {
            var key = _feedback.Predictions(model, start);
            var index = _feedback.PredictionBuckets(model);
            writes.Add(batch.HashSetAsync(key, [.. entries]));
            writes.Add(batch.KeyExpireAsync(key, ttl));
            writes.Add(batch.SortedSetAddAsync(index, start.ToUnixTimeSeconds(), expires));
            writes.Add(batch.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, now.ToUnixTimeSeconds()));
        }
        foreach (var (key, count) in counts)
        {
            writes.Add(batch.StringIncrementAsync(key, count));
            writes.Add(batch.KeyExpireAsync(key, FigureRetention));
        }
        batch.Execute();
        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>
    /// The prediction of <paramref name="model"/> recorded as <paramref name="id"/>; null when there is
    /// none (or it expired). Looks in the model's live buckets, newest first, but first in the hour an
    /// id made by the gateway or a worker (a UUIDv7, which carries its time) names, and the next.
    /// </summary>
    /// <exception cref="FeedbackRecordException">The stored record is not a valid one.</exception>
    public async Task<PredictionRecord?> GetPredictionAsync(string model, string id)
    {
        var db = _redis.GetDatabase();
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var members = await db.SortedSetRangeByScoreAsync(_feedback.PredictionBuckets(model), now, double.PositiveInfinity,
            Exclude.Start, Order.Descending).ConfigureAwait(false);
        var starts = new List<long>(members.Length + 2);
        if (IdTime(id) is { } made)
        {
            var hour = FeedbackKeys.RecordBucketOf(made);
            starts.Add(hour.ToUnixTimeSeconds());
            starts.Add((hour + FeedbackKeys.RecordBucketLength).ToUnixTimeSeconds());
        }
        foreach (var member in members)
        {
            // A member that is no bucket's start (written by hand) names nothing to look in.
            if (long.TryParse((string?)member, NumberStyles.None, CultureInfo.InvariantCulture, out var start) && !starts.Contains(start))
            {
                starts.Add(start);
            }
        }
        if (starts.Count == 0)
        {
            return null;
        }
        var keys = starts.Select(s => (RedisKey)_feedback.Predictions(model, DateTimeOffset.FromUnixTimeSeconds(s))).ToArray();
        var found = await db.ScriptEvaluateAsync(FindScript, keys, [id]).ConfigureAwait(false);
        if (found.IsNull || found.Resp2Type != ResultType.Array || found.Length != 2)
        {
            return null;
        }
        var key = keys[Math.Clamp((int)found[0] - 1, 0, keys.Length - 1)];
        var stored = Checked<StoredPrediction>($"{key} field {Shown(id)}", (RedisValue)found[1], r => r.Problem());
        return stored?.ToRecord(model, id);
    }

    /// <summary>When a UUIDv7 id (32 hex digits, or 36 with hyphens; a row's <c>#n</c> aside) was made; null for any other id.</summary>
    internal static DateTimeOffset? IdTime(string id)
    {
        var end = id.IndexOf('#', StringComparison.Ordinal);
        var text = end < 0 ? id.AsSpan() : id.AsSpan(0, end);
        if (!(text.Length is 32 or 36) || !Guid.TryParse(text, out var guid) || guid.Version != 7)
        {
            return null;
        }
        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        long ms = 0;
        for (var i = 0; i < 6; i++)
        {
            ms = (ms << 8) | bytes[i];
        }
        return ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
