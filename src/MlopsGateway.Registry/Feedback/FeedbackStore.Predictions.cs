using System.Buffers;
using System.Globalization;
using CommunityToolkit.HighPerformance.Buffers;
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
    /// Writes <paramref name="predictions"/> as <see cref="RecordAsync(PredictionBatch, TimeSpan)"/> does.
    /// </summary>
    /// <exception cref="ArgumentException">A record with a probability or value that is not a finite number.</exception>
    public Task RecordAsync(IReadOnlyList<PredictionRecord> predictions, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var batch = new PredictionBatch(Math.Max(1, predictions.Count), int.MaxValue);
        foreach (var prediction in predictions)
        {
            batch.TryAdd(prediction);
        }
        return RecordAsync(batch, ttl);
    }

    /// <summary>
    /// Writes the predictions of <paramref name="batch"/> in one pipelined batch of a few commands, however
    /// many they are. The records whose ids the gateway or a worker made go to their blocks (one APPEND of
    /// the batch's lines per model and block, an EXPIRE of <paramref name="ttl"/>); the others, ids from
    /// callers, to their hour's hash (per model and hour one HSET, so a prediction answered twice keeps
    /// one record, the last; an EXPIRE; the bucket's entry in the model's index). And the count of each
    /// version's predictions per minute is raised by as many (kept <see cref="FigureRetention"/>). A
    /// command per prediction made Redis, on the worker's cores, cost the worker 40% of its throughput,
    /// and a hash field per prediction 18% (perf/monitoring-overhead.md). The batch's lines are copied
    /// before the first await: it may be cleared and filled again as soon as this returns a task.
    /// </summary>
    public async Task RecordAsync(PredictionBatch batch, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }
        var (values, writes) = Commands(batch, ttl);
        await Task.WhenAll(writes).ConfigureAwait(false);
        // Only once every write is answered: a write that failed or timed out may still wait in the
        // connection's queue, so its buffer is then left to the collector rather than reused.
        values.Dispose();
    }

    // The batch's commands, sent; and the pooled buffer their values are slices of.
    private (ArrayPoolBufferWriter<byte> Values, List<Task> Writes) Commands(PredictionBatch batch, TimeSpan ttl)
    {
        var now = _time.GetUtcNow();
        var entries = batch.Entries;
        var lines = batch.Bytes;
        // Each record's group: its block, or (an id from a caller) its hour's hash; Number is the block or the hour's start.
        var groups = new List<RecordGroup>();
        var groupIndex = new Dictionary<(string Model, bool Block, long Number), int>();
        var groupOf = new int[entries.Length];
        // By version and minute, the key formatted once per entry rather than once per record.
        var counts = new Dictionary<(string Model, string Version, long Minute), long>();
        // Consecutive predictions mostly share their group and their count (a worker's ids run in
        // order), so each is looked up only when it differs from the one before.
        (string Model, bool Block, long Number) lastGroup = default;
        (string Model, string Version, long Minute) lastCount = default;
        var g = -1;
        var run = 0L;
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            var seconds = Math.Clamp(entry.At, 0, DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()) / 1000;
            var group = entry.Block != PredictionBatch.NoBlock
                ? (entry.Model, true, (long)entry.Block)
                : (entry.Model, false, FeedbackKeys.RecordBucketOf(seconds));
            if (g < 0 || !SameGroup(group, lastGroup))
            {
                if (!groupIndex.TryGetValue(group, out g))
                {
                    groupIndex[group] = g = groups.Count;
                    groups.Add(new RecordGroup(group.Item1, group.Item2, group.Item3));
                }
                lastGroup = group;
            }
            groupOf[i] = g;
            groups[g].Count++;
            var count = (entry.Model, entry.Version, FeedbackKeys.BucketOf(seconds));
            if (run > 0 && !(ReferenceEquals(count.Model, lastCount.Model) && ReferenceEquals(count.Version, lastCount.Version) && count.Item3 == lastCount.Minute))
            {
                counts[lastCount] = counts.GetValueOrDefault(lastCount) + run;
                run = 0;
            }
            lastCount = count;
            run++;
        }
        counts[lastCount] = counts.GetValueOrDefault(lastCount) + run;
        // Every value is a slice of one buffer the write owns until its commands are answered, a group's
        // lines side by side (a block's lines are its one APPEND). Pooled: a batch's lines are over
        // 85 KB, and a new buffer per batch on the large object heap measured 4 µs of the worker's CPU
        // per request (gen 2 collections).
        var values = new ArrayPoolBufferWriter<byte>(Math.Max(1, lines.Length));
        var order = GroupOrder(groups, groupOf);
        foreach (var i in order)
        {
            var entry = entries[i];
            var group = groups[groupOf[i]];
            var line = lines.Slice(entry.Start, entry.Length);
            if (group.Block)
            {
                values.Write(line);
                group.Length += line.Length;
            }
            else
            {
                // A hash field's value is the line's JSON, without the id before it or the newline after.
                values.Write(line[..entry.IdLength]);
                values.Write(line[(entry.IdLength + 1)..^1]);
            }
        }
        var written = values.WrittenMemory;
        var redis = _redis.GetDatabase().CreateBatch();
        var writes = new List<Task>((groups.Count * 4) + (counts.Count * 2));
        // The index's score says when a bucket's records expire, so a lookup skips the buckets gone.
        var expires = (now + ttl).ToUnixTimeSeconds();
        var next = 0;
        var offset = 0;
        foreach (var group in groups)
        {
            if (group.Block)
            {
                var key = _feedback.PredictionBlock(group.Model, (ulong)group.Number);
                writes.Add(redis.StringAppendAsync(key, written.Slice(offset, group.Length)));
                writes.Add(redis.KeyExpireAsync(key, ttl));
                offset += group.Length;
            }
            else
            {
                var start = DateTimeOffset.FromUnixTimeSeconds(group.Number);
                var key = _feedback.Predictions(group.Model, start);
                var index = _feedback.PredictionBuckets(group.Model);
                var fields = new HashEntry[group.Count];
                for (var e = 0; e < group.Count; e++)
                {
                    var entry = entries[order[next + e]];
                    var json = entry.Length - entry.IdLength - 2;
                    fields[e] = new HashEntry(written.Slice(offset, entry.IdLength), written.Slice(offset + entry.IdLength, json));
                    offset += entry.IdLength + json;
                }
                writes.Add(redis.HashSetAsync(key, fields));
                writes.Add(redis.KeyExpireAsync(key, ttl));
                writes.Add(redis.SortedSetAddAsync(index, group.Number, expires));
                writes.Add(redis.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, now.ToUnixTimeSeconds()));
            }
            next += group.Count;
        }
        foreach (var ((model, version, minute), count) in counts)
        {
            var key = _feedback.PredictionCount(model, version, DateTimeOffset.FromUnixTimeSeconds(minute));
            writes.Add(redis.StringIncrementAsync(key, count));
            writes.Add(redis.KeyExpireAsync(key, FigureRetention));
        }
        redis.Execute();
        return (values, writes);
    }

    // The same group, the model compared by reference (the one string a worker's recorder passes) before its text.
    private static bool SameGroup((string Model, bool Block, long Number) a, (string Model, bool Block, long Number) b) =>
        a.Block == b.Block && a.Number == b.Number && (ReferenceEquals(a.Model, b.Model) || string.Equals(a.Model, b.Model, StringComparison.Ordinal));

    // The records' indexes, group after group in the order of groups, each group's in the batch's order.
    private static int[] GroupOrder(List<RecordGroup> groups, int[] groupOf)
    {
        var firsts = new int[groups.Count];
        for (int g = 1; g < groups.Count; g++)
        {
            firsts[g] = firsts[g - 1] + groups[g - 1].Count;
        }
        var order = new int[groupOf.Length];
        for (var i = 0; i < groupOf.Length; i++)
        {
            order[firsts[groupOf[i]]++] = i;
        }
        return order;
    }

    /// <summary>
    /// The prediction of <paramref name="model"/> recorded as <paramref name="id"/>; null when there is
    /// none (or it expired). An id the gateway or a worker made is looked for in the block it names
    /// (one GET); any other id, or one its block lacks (recorded before blocks, or by an older worker),
    /// in the model's live hourly buckets, newest first, but first in the hour a UUIDv7 id (which
    /// carries its time) names, and the next.
    /// </summary>
    /// <exception cref="FeedbackRecordException">The stored record, or the block that holds it, is not a valid one.</exception>
    public async Task<PredictionRecord?> GetPredictionAsync(string model, string id)
    {
        var db = _redis.GetDatabase();
        if (PredictionIds.TryBlockOf(id, out var block) && await FindInBlockAsync(db, model, id, block).ConfigureAwait(false) is { } inBlock)
        {
            return inBlock;
        }
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

    // The last line of block `block` recorded as `id` (a prediction answered twice: the later answer), checked; null when none is.
    private async Task<PredictionRecord?> FindInBlockAsync(IDatabase db, string model, string id, ulong block)
    {
        var key = _feedback.PredictionBlock(model, block);
        RedisValue value;
        try
        {
            value = await db.StringGetAsync(key).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            throw new FeedbackRecordException(new RecordFault(key, "it is not a string of prediction records"));
        }
        if (value.IsNull)
        {
            return null;
        }
        ReadOnlyMemory<byte> lines = value;
        if (PredictionBlock.Find(lines.Span, id, out var line, out var record) is { } problem)
        {
            throw new FeedbackRecordException(new RecordFault(key, problem));
        }
        if (line == 0)
        {
            return null;
        }
        var stored = Checked<StoredPrediction>(string.Create(CultureInfo.InvariantCulture, $"{key} line {line}"), lines[record], r => r.Problem());
        return stored?.ToRecord(model, id);
    }

    // A group of one batch's records written by one command: a block's lines, or an hour's hash fields.
    private sealed class RecordGroup(string model, bool block, long number)
    {
        public string Model { get; } = model;

        public bool Block { get; } = block;

        /// <summary>The block's number, or the hour's start in Unix seconds.</summary>
        public long Number { get; } = number;

        public int Count { get; set; }

        /// <summary>A block's bytes: its lines side by side, its one APPEND.</summary>
        public int Length { get; set; }
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
