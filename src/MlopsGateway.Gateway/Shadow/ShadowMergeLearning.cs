using System.Collections.Concurrent;
using Google.Protobuf;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// What one stream learned about merging: the merge keys (<see cref="ShadowBatch.MergeKey"/>) whose
/// merged messages failed through the merging's fault, whose copies then go alone for a minute. The
/// merging is at fault when the version answered a merged message but not row by row, or refused it
/// and then answered every copy alone; a refused copy alone says that copy was at fault instead.
/// </summary>
internal sealed class ShadowMergeLearning(TimeProvider time)
{
    private static readonly TimeSpan s_unmergeableFor = TimeSpan.FromMinutes(1);

    // Merge keys whose merged message failed, and since when (a timestamp).
    private readonly ConcurrentDictionary<ByteString, long> _unmergeable = new();

    /// <summary>Whether copies with this key may be merged now.</summary>
    public bool Allows(ByteString key) => !(_unmergeable.TryGetValue(key, out var since) && time.GetElapsedTime(since) < s_unmergeableFor);

    /// <summary>Copies with this key go alone for a while.</summary>
    public void StopMerging(ByteString key) => _unmergeable[key] = time.GetTimestamp();

    /// <summary>The verdict on <paramref name="copies"/> copies of a refused merged message, sent again alone.</summary>
    public RetryAlone Retry(ByteString key, int copies) => new(this, key, copies);

    /// <summary>
    /// The copies of one refused merged message, sent again alone. When the last is answered or
    /// failed: if every one was answered, the merging was at fault and copies like them stop being
    /// merged for a while; if any was refused, that copy was.
    /// </summary>
    internal sealed class RetryAlone(ShadowMergeLearning learning, ByteString key, int copies)
    {
        private int _left = copies;
        private int _refused;

        /// <summary>Records one copy's outcome alone.</summary>
        public void Report(bool answered)
        {
            if (!answered)
            {
                Interlocked.Increment(ref _refused);
            }
            if (Interlocked.Decrement(ref _left) == 0 && Volatile.Read(ref _refused) == 0)
            {
                learning.StopMerging(key);
            }
        }
    }
}
