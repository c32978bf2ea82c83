using System.Collections.Concurrent;
using Grpc.Core;
using Inference;
using MlopsGateway.Contracts;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// The request path's side of prediction records: gives a request without an id one (the
/// gateway's per-call id, so a call retried on another worker keeps it, else a new one), and adds
/// each answer's predictions to the batch being filled, which <see cref="PredictionWriter"/> takes
/// (swapping in the one it wrote last) and writes. Never waits beyond the lock around one answer's
/// lines: when the batch is full the predictions are dropped and counted. Nothing is allocated per
/// prediction: a queue of record objects, each living the writer's 50 ms, had the collector promote
/// them all, and cost the worker more than the rest of the recording together (perf/monitoring-overhead.md).
/// Shadow copies are not recorded (their answers never reach a caller, and would replace the primary's record).
/// </summary>
internal sealed class PredictionRecorder
{
    private const string ShadowHeader = WorkerHeaders.Prefix + "shadow";

    // A batch's lines: room for its predictions at about 2 KB each (a propensity line is ~100 B; one of a
    // thousand-class model's, with its probabilities, ~12 KB), and never more than this.
    private const int MaxBatchBytes = 32 << 20;

    [ThreadStatic]
    private static PredictionBatch? s_own;

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _queued = new(0, 1);
    private readonly ConcurrentDictionary<ModelVersion, PredictionOutputs> _outputs = new();
    private readonly TimeProvider _time;
    private readonly PredictionMetrics? _metrics;
    private readonly uint _sampleThreshold;
    private readonly bool _sampleAll;
    private PredictionBatch? _filling;
    private PredictionBatch? _spare;
    private bool _completed;

    private PredictionRecorder()
    {
        _time = TimeProvider.System;
    }

    public PredictionRecorder(PredictionRecordOptions options, PredictionMetrics metrics, TimeProvider time)
    {
        _time = time;
        _metrics = metrics;
        _sampleAll = options.SampleRate >= 1;
        _sampleThreshold = (uint)Math.Min(uint.MaxValue, options.SampleRate * uint.MaxValue);
        if (options.Enabled)
        {
            _filling = NewBatch(options.QueueCapacity);
            _spare = NewBatch(options.QueueCapacity);
        }
    }

    /// <summary>A recorder that records nothing: the worker without <c>AddPredictionRecords</c>, or with them off.</summary>
    public static PredictionRecorder Off { get; } = new();

    /// <summary>Whether predictions are recorded (and ids made).</summary>
    public bool Enabled => _filling is not null;

    /// <summary>The id of a request that has none: the gateway's call id, else a new one.</summary>
    public static string IdFor(ServerCallContext context) =>
        Header(context, WorkerHeaders.CallId) is { Length: > 0 and <= FeedbackStore.MaxIdLength } callId
            ? callId
            : PredictionIds.New(DateTimeOffset.UtcNow);

    /// <summary>Adds the predictions of <paramref name="response"/>, answered by <paramref name="model"/> for a request with id <paramref name="id"/>.</summary>
    public void Record(ModelVersion model, ModelInferResponse response, string id, ServerCallContext context)
    {
        if (_filling is null || id.Length is 0 or > FeedbackStore.MaxIdLength || Header(context, ShadowHeader) is not null)
        {
            return;
        }
        if (!_sampleAll && StableHash(id) > _sampleThreshold)
        {
            return;
        }
        var outputs = _outputs.GetOrAdd(model, PredictionOutputs.Of);
        if (!outputs.Recordable)
        {
            return;
        }
        PredictionOutputs.Answer answer;
        try
        {
            answer = outputs.Read(response);
        }
        catch (ArgumentException)
        {
            // An output that does not read as its datatype says: nothing to record, and the answer stands.
            return;
        }
        if (answer.Rows == 0)
        {
            return;
        }
        // Encoded outside the lock, into this thread's own batch; the lock is held only to copy the lines.
        // Holding it while formatting made 64 callers on 2 cores wait on, and spin for, each other.
        var own = s_own is { } mine && mine.Capacity >= answer.Rows ? mine : s_own = new PredictionBatch(Math.Max(64, answer.Rows), MaxBatchBytes);
        own.Clear();
        var dropped = outputs.Append(answer, id, _time.GetUtcNow(), own);
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }
            dropped += own.Count - _filling!.AddFrom(own);
            Queued();
        }
        if (dropped > 0)
        {
            _metrics!.Dropped(model.Name, dropped);
        }
    }

    /// <summary>Adds <paramref name="records"/> without waiting; false, and those that did not fit counted as dropped, when the batch is full.</summary>
    internal bool Enqueue(string model, IReadOnlyList<PredictionRecord> records)
    {
        if (_filling is null || records.Count == 0)
        {
            return false;
        }
        var added = 0;
        lock (_lock)
        {
            while (!_completed && added < records.Count && _filling.TryAdd(records[added]))
            {
                added++;
            }
            Queued();
        }
        if (added < records.Count)
        {
            _metrics!.Dropped(model, records.Count - added);
        }
        return added == records.Count;
    }

    /// <summary>Waits until something is added to the batch being filled (at once when something was since the last <see cref="Take"/>).</summary>
    internal Task WaitForRecordsAsync(CancellationToken cancellationToken) => _queued.WaitAsync(cancellationToken);

    /// <summary>The batch filled so far, for the writer to write and then <see cref="Return"/>; an empty one is filled from now.</summary>
    internal PredictionBatch Take()
    {
        lock (_lock)
        {
            var taken = _filling!;
            _filling = _spare ?? NewBatch(taken.Capacity);
            _spare = null;
            return taken;
        }
    }

    /// <summary>Gives back a batch <see cref="Take"/> gave, once written: it is cleared, and filled after the current one.</summary>
    internal void Return(PredictionBatch batch)
    {
        batch.Clear();
        lock (_lock)
        {
            _spare = batch;
        }
    }

    /// <summary>Ends recording: what is in the batch is still taken, nothing more is added.</summary>
    internal void Complete()
    {
        lock (_lock)
        {
            _completed = true;
        }
    }

    /// <summary>What each version recorded so far predicts, for the labels' checks.</summary>
    internal IEnumerable<PredictionSchema> Schemas() => _outputs.Values.Where(o => o.Recordable).Select(o => o.Schema);

    private static PredictionBatch NewBatch(int capacity) => new(capacity, (int)Math.Min(MaxBatchBytes, (long)capacity * 2048));

    // Under the lock: wakes the writer when the batch has something and the writer has not been told yet.
    private void Queued()
    {
        if (_filling!.Count > 0 && _queued.CurrentCount == 0)
        {
            _queued.Release();
        }
    }

    // A request header, read from the HTTP request: the call's RequestHeaders would first copy every
    // header into a Metadata, which nothing else on a worker's request path asks for.
    private static string? Header(ServerCallContext context, string name) =>
        context.GetHttpContext().Request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[values.Count - 1] : null;

    // FNV-1a over the id's characters: the same on every worker and every run, unlike string.GetHashCode.
    private static uint StableHash(string id)
    {
        var hash = 2166136261u;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }
}
