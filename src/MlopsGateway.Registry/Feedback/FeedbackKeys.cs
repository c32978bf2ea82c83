using System.Globalization;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// The Redis keys of ground truth in one namespace (<see cref="RedisKeys.Feedback"/>): recorded
/// predictions, their labels, the labelled pairs and prediction counts per version and minute, and
/// the senders whose labels are left out. Every one starts with the namespace's <c>{ns}:</c>, so a
/// label and its pair are written in one single-slot transaction.
/// </summary>
public sealed class FeedbackKeys
{
    /// <summary>Length of a bucket of <see cref="Labelled"/> and <see cref="PredictionCount"/>.</summary>
    public static readonly TimeSpan BucketLength = TimeSpan.FromMinutes(1);

    private readonly RedisKeys _keys;

    internal FeedbackKeys(RedisKeys keys)
    {
        _keys = keys;
        Excluded = keys.Key("feedback:excluded");
        Audit = keys.Key("feedback:audit");
    }

    /// <summary>Set of API key ids (or <c>jwt:</c> subjects) whose labels are left out of every figure.</summary>
    public string Excluded { get; }

    /// <summary>Stream (a capped list where streams are missing) of <see cref="FeedbackExclusion"/> entries: every exclusion and its undoing.</summary>
    public string Audit { get; }

    /// <summary>
    /// Length of a bucket of <see cref="Predictions"/>: long enough that a label's lookup reads few
    /// buckets (169 for 7 days), short enough that a bucket expires soon after its last record is due.
    /// </summary>
    public static readonly TimeSpan RecordBucketLength = TimeSpan.FromHours(1);

    /// <summary>
    /// Hash, expiring (the TTL of its latest write, so every record in it lives at least its TTL):
    /// field = prediction id, value = <see cref="StoredPrediction"/> (JSON), for the predictions of
    /// <paramref name="model"/> made in the hour starting at <paramref name="bucket"/> whose ids came
    /// from callers (the others are in a <see cref="PredictionBlock"/>). One HSET writes a whole batch's
    /// records, where a key per record took a command each.
    /// </summary>
    public string Predictions(string model, DateTimeOffset bucket) => _keys.Key($"preds:{model}:{Seconds(bucket)}");

    /// <summary>
    /// String, expiring (the TTL of its latest write): the records of <paramref name="model"/>'s
    /// predictions whose ids the gateway or a worker made (<see cref="PredictionIds"/>) in block
    /// <paramref name="block"/>, one line each, <c>id {StoredPrediction JSON}\n</c>, APPENDed a chunk per
    /// write. The id names its block, so a label's lookup reads one key and no index; a hash field per
    /// record cost Redis 2.4 µs per prediction (perf/monitoring-overhead.md).
    /// </summary>
    public string PredictionBlock(string model, ulong block) =>
        _keys.Key($"preds-block:{model}:{block.ToString("x", CultureInfo.InvariantCulture)}");

    /// <summary>
    /// Sorted set: member = the start (Unix seconds) of a <see cref="Predictions"/> bucket of
    /// <paramref name="model"/>, score = when it expires (Unix seconds); what a label's lookup reads first.
    /// </summary>
    public string PredictionBuckets(string model) => _keys.Key($"preds-buckets:{model}");

    /// <summary>String, written once (SET NX), expiring: the <see cref="LabelRecord"/> (JSON) sent for prediction <paramref name="id"/>.</summary>
    public string Label(string model, string id) => _keys.Key($"label:{model}:{id}");

    /// <summary>String: the version's <see cref="PredictionSchema"/> (JSON), which labels are checked against when it has no baseline.</summary>
    public string Schema(string model, string version) => _keys.Key($"pred-schema:{model}:{version}");

    /// <summary>
    /// Hash, expiring: field = prediction id, value = <see cref="LabelledPrediction"/> (JSON), for the
    /// predictions of the version made in the minute starting at <paramref name="bucket"/>.
    /// </summary>
    public string Labelled(string model, string version, DateTimeOffset bucket) => _keys.Key($"labelled:{model}:{version}:{Seconds(bucket)}");

    /// <summary>Integer, expiring: predictions of the version recorded in the minute starting at <paramref name="bucket"/>, added by every worker.</summary>
    public string PredictionCount(string model, string version, DateTimeOffset bucket) => _keys.Key($"pred-count:{model}:{version}:{Seconds(bucket)}");

    /// <summary>The start of the bucket holding <paramref name="at"/>.</summary>
    public static DateTimeOffset BucketOf(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(BucketOf(at.ToUnixTimeSeconds()));

    /// <summary>The start, in Unix seconds, of the bucket holding Unix second <paramref name="seconds"/>.</summary>
    public static long BucketOf(long seconds) => seconds - (((seconds % 60) + 60) % 60);

    /// <summary>The start of the <see cref="Predictions"/> bucket holding <paramref name="at"/>.</summary>
    public static DateTimeOffset RecordBucketOf(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(RecordBucketOf(at.ToUnixTimeSeconds()));

    /// <summary>The start, in Unix seconds, of the <see cref="Predictions"/> bucket holding Unix second <paramref name="seconds"/>.</summary>
    public static long RecordBucketOf(long seconds)
    {
        var length = (long)RecordBucketLength.TotalSeconds;
        return seconds - (((seconds % length) + length) % length);
    }

    /// <summary>
    /// The buckets a span covers: every minute whose start lies from <paramref name="from"/>'s minute
    /// up to (not including) <paramref name="to"/>.
    /// </summary>
    public static IEnumerable<DateTimeOffset> Buckets(DateTimeOffset from, DateTimeOffset to)
    {
        for (var bucket = BucketOf(from); bucket < to; bucket += BucketLength)
        {
            yield return bucket;
        }
    }

    private static string Seconds(DateTimeOffset bucket) => bucket.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
