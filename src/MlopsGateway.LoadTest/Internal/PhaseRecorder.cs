using System.Collections.Concurrent;
using Grpc.Core;
using HdrHistogram;

namespace MlopsGateway.LoadTest.Internal;

/// <summary>
/// Collects one phase (a level's warm-up or its measurement): successful latencies in an
/// HdrHistogram recorder (wait-free for the many callers), and counts by gRPC status.
/// </summary>
internal sealed class PhaseRecorder
{
    /// <summary>The largest latency recorded, in microseconds (one hour); longer is clamped.</summary>
    public const long HighestMicroseconds = 3_600_000_000;

    private const int StatusCount = (int)StatusCode.Unauthenticated + 1;

    private readonly Recorder _recorder = NewRecorder();

    // Failed latencies by status, made on a status's first failure: most runs have none, and each costs as much as _recorder.
    private readonly Recorder?[] _failures = new Recorder?[StatusCount];

    private readonly long[] _byStatus = new long[StatusCount];
    private readonly ConcurrentDictionary<StatusCode, string> _messages = new();
    private readonly Lock _sampleLock = new();
    private long _completed;
    private long _ok;
    private long _sampledCompleted;
    private long _sampledErrors;

    /// <summary>Every successful latency taken out by <see cref="TakeInterval"/> so far.</summary>
    public HistogramBase Total { get; } = new LongHistogram(1, HighestMicroseconds, 3);

    public long Completed => Volatile.Read(ref _completed);

    public long Ok => Volatile.Read(ref _ok);

    public long Errors => Completed - Ok;

    public void Record(long microseconds, StatusCode status, string? message)
    {
        if (status == StatusCode.OK)
        {
            _recorder.RecordValue(Math.Clamp(microseconds, 0, HighestMicroseconds));
            Interlocked.Increment(ref _ok);
        }
        var index = (int)status is >= 0 and < StatusCount ? (int)status : (int)StatusCode.Unknown;
        if (status != StatusCode.OK)
        {
            if (message is not null)
            {
                _messages.TryAdd((StatusCode)index, message);
            }
            var failures = Volatile.Read(ref _failures[index]);
            if (failures is null)
            {
                Interlocked.CompareExchange(ref _failures[index], NewRecorder(), null);
                failures = _failures[index]!;
            }
            failures.RecordValue(Math.Clamp(microseconds, 0, HighestMicroseconds));
        }
        Interlocked.Increment(ref _byStatus[index]);
        Interlocked.Increment(ref _completed);
    }

    /// <summary>
    /// The successful latencies since the last call (added to <see cref="Total"/>), the failed ones
    /// by status, and how many requests and errors completed since then.
    /// </summary>
    public (HistogramBase Latencies, IReadOnlyDictionary<StatusCode, HistogramBase> Failures, long Requests, long Errors) TakeInterval()
    {
        lock (_sampleLock)
        {
            var interval = _recorder.GetIntervalHistogram();
            var failures = new Dictionary<StatusCode, HistogramBase>();
            for (var i = 0; i < StatusCount; i++)
            {
                if (Volatile.Read(ref _failures[i]) is { } recorder && recorder.GetIntervalHistogram() is { TotalCount: > 0 } failed)
                {
                    failures[(StatusCode)i] = failed;
                }
            }
            Total.Add(interval);
            var completed = Completed;
            var errors = Errors;
            var result = (interval, (IReadOnlyDictionary<StatusCode, HistogramBase>)failures, completed - _sampledCompleted, errors - _sampledErrors);
            _sampledCompleted = completed;
            _sampledErrors = errors;
            return result;
        }
    }

    /// <summary>Failed requests by status name.</summary>
    public IReadOnlyDictionary<string, long> ErrorsByStatus()
    {
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < StatusCount; i++)
        {
            var count = Volatile.Read(ref _byStatus[i]);
            if (i != (int)StatusCode.OK && count > 0)
            {
                errors[((StatusCode)i).ToString()] = count;
            }
        }
        return errors;
    }

    /// <summary>The first message of each failing status, by status.</summary>
    public IReadOnlyDictionary<StatusCode, string> MessagesByStatus() => new Dictionary<StatusCode, string>(_messages);

    /// <summary>The first message of each failing status.</summary>
    public IReadOnlyDictionary<string, string> ErrorMessages() =>
        new SortedDictionary<string, string>(_messages.ToDictionary(p => p.Key.ToString(), p => p.Value), StringComparer.Ordinal);

    private static Recorder NewRecorder() => HistogramFactory.With64BitBucketSize()
        .WithValuesFrom(1)
        .WithValuesUpTo(HighestMicroseconds)
        .WithPrecisionOf(3)
        .WithThreadSafeWrites()
        .WithThreadSafeReads()
        .Create();
}
