using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Inference;
using MlopsGateway.Contracts;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// The request path's side of prediction records: gives a request without an id one (the
/// gateway's per-call id, so a call retried on another worker keeps it, else a new one), and hands
/// each answer's predictions to a bounded queue that <see cref="PredictionWriter"/> drains. Never
/// waits: when the queue is full the predictions are dropped and counted. Shadow copies are not
/// recorded (their answers never reach a caller, and would replace the primary's record).
/// </summary>
internal sealed class PredictionRecorder
{
    private const string ShadowHeader = WorkerHeaders.Prefix + "shadow";

    private readonly Channel<PredictionRecord[]>? _queue;
    private readonly ConcurrentDictionary<ModelVersion, PredictionOutputs> _outputs = new();
    private readonly TimeProvider _time;
    private readonly PredictionMetrics? _metrics;
    private readonly uint _sampleThreshold;
    private readonly bool _sampleAll;

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
            // One answer's rows per entry; SingleReader: the writer alone drains it. Full: TryWrite says
            // so, and the request path drops rather than waits (DropWrite would hide the drop from the count).
            _queue = Channel.CreateBounded<PredictionRecord[]>(new BoundedChannelOptions(options.QueueCapacity)
            {
                SingleReader = true,
                SingleWriter = false,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }
    }

    /// <summary>A recorder that records nothing: the worker without <c>AddPredictionRecords</c>, or with them off.</summary>
    public static PredictionRecorder Off { get; } = new();

    /// <summary>Whether predictions are recorded (and ids made).</summary>
    public bool Enabled => _queue is not null;

    /// <summary>What the writer drains.</summary>
    internal ChannelReader<PredictionRecord[]> Queue => _queue!.Reader;

    /// <summary>Ends the queue: what is in it is still written, nothing more is taken.</summary>
    internal void Complete() => _queue?.Writer.TryComplete();

    /// <summary>The id of a request that has none: the gateway's call id, else a new one.</summary>
    public static string IdFor(ServerCallContext context) =>
        context.RequestHeaders.GetValue(WorkerHeaders.CallId) is { Length: > 0 and <= FeedbackStore.MaxIdLength } callId
            ? callId
            : PredictionIds.New(DateTimeOffset.UtcNow);

    /// <summary>Queues the predictions of <paramref name="response"/>, answered by <paramref name="model"/> for a request with id <paramref name="id"/>.</summary>
    public void Record(ModelVersion model, ModelInferResponse response, string id, ServerCallContext context)
    {
        if (_queue is null || id.Length is 0 or > FeedbackStore.MaxIdLength || context.RequestHeaders.Get(ShadowHeader) is not null)
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
        PredictionRecord[] records;
        try
        {
            records = outputs.Read(response, id, _time.GetUtcNow());
        }
        catch (ArgumentException)
        {
            // An output that does not read as its datatype says: nothing to record, and the answer stands.
            return;
        }
        Enqueue(model.Name, records);
    }

    /// <summary>Queues one answer's <paramref name="records"/> without waiting; false, and counted as dropped, when the queue is full.</summary>
    internal bool Enqueue(string model, PredictionRecord[] records)
    {
        if (_queue is null || records.Length == 0)
        {
            return false;
        }
        if (_queue.Writer.TryWrite(records))
        {
            return true;
        }
        _metrics!.Dropped(model, records.Length);
        return false;
    }

    /// <summary>What each version recorded so far predicts, for the labels' checks.</summary>
    internal IEnumerable<PredictionSchema> Schemas() => _outputs.Values.Where(o => o.Recordable).Select(o => o.Schema);

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
