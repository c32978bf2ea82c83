using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;

namespace MlopsGateway.Gateway.Internal;

/// <summary>
/// The shadow copies bound for one worker, sent as messages of one long-lived ModelStreamInfer call
/// on a connection of their own rather than as one HTTP/2 request each. A copy then costs a DATA
/// frame instead of a request's headers, trailers and stream set-up, in the gateway and in the
/// worker, and never shares a connection with callers' requests. Answers are matched to copies by
/// request id. When the call breaks, every copy waiting on it fails and the next copy opens a new call.
/// Copies queued within a gather window go out together: those of one model version that differ only
/// in their rows as one merged request (<see cref="ShadowBatch"/>), whose answer is split back per
/// copy; the worker runs it as one batch. When a merged request fails, its copies go again one by
/// one, so a copy the shadow refuses fails alone. Copies like them are then sent one by one for a
/// while only when the merging was at fault: every copy alone was answered, or the version does not
/// answer row by row. One malformed copy does not stop the merging of the others.
/// </summary>
internal sealed class ShadowStream : IDisposable
{
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(static b => b, static b => b);
    private static readonly Method<byte[], byte[]> s_streamInfer =
        new(MethodType.DuplexStreaming, "inference.GRPCInferenceService", "ModelStreamInfer", s_bytes, s_bytes);
    private static readonly TimeSpan s_unmergeableFor = TimeSpan.FromMinutes(1);
    private static readonly Metadata s_headers = new() { { GatewayHeaders.ShadowHeader, "1" } };

    private readonly GrpcChannel _channel;
    // Unbounded here because ShadowDispatcher bounds the copies in flight across all streams and
    // drops the rest before they are queued; one writer per sampled request, one sending loop.
    private readonly Channel<ShadowWork> _queue = Channel.CreateUnbounded<ShadowWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly Action<ShadowWork, ModelStreamInferResponse?, string?> _done;
    private readonly CancellationTokenSource _stop = new();
    // Merge keys whose merged message failed, and until when (a Stopwatch timestamp) their copies go alone.
    private readonly ConcurrentDictionary<ByteString, long> _unmergeable = new();
    private readonly TimeSpan _gather;
    private long _merged;
    // Completed when the queue holds a full message's worth of copies during a gather window.
    private TaskCompletionSource? _windowFull;
    // Copies in the queue (the single-reader channel cannot count them).
    private int _queued;
    private long _lastUsed = Stopwatch.GetTimestamp();

    /// <param name="address">The worker, e.g. <c>http://127.0.0.1:5001</c>.</param>
    /// <param name="done">
    /// Called exactly once per copy: with the worker's answer, or with null and why there is none.
    /// </param>
    /// <param name="gather">
    /// How long the first copy queued waits for others to go out with it, less once <see cref="ShadowBatch.MaxRows"/>
    /// copies are queued (a full message of one-row copies); zero sends at once.
    /// </param>
    public ShadowStream(string address, Action<ShadowWork, ModelStreamInferResponse?, string?> done, TimeSpan gather = default)
    {
        _done = done;
        _gather = gather;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                ConnectTimeout = TimeSpan.FromSeconds(5),
            },
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        _ = Task.Run(SendAsync);
    }

    /// <summary>Copies queued or sent and not yet answered.</summary>
    public int Waiting => _pending.Values.Sum(p => p.Works.Length);

    /// <summary>When a copy was last queued here (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastUsed => Interlocked.Read(ref _lastUsed);

    /// <summary>Queues a copy; its message must carry <see cref="ShadowWork.Id"/> as the request id.</summary>
    public void Enqueue(ShadowWork work)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _lastUsed, now);
        // Waiting from now, not from when it is sent, so a copy stuck behind a stalled send expires too.
        Queue(work, now);
    }

    /// <summary>
    /// Gives up on copies queued before <paramref name="queuedBefore"/> (a timestamp) and still
    /// unanswered, and closes the calls they were sent on: a worker that stopped answering (or
    /// reading) must not hold the copies queued behind them.
    /// </summary>
    public void Expire(long queuedBefore, string reason)
    {
        List<Call>? stalled = null;
        foreach (var (id, pending) in _pending)
        {
            if (pending.At < queuedBefore && _pending.TryRemove(id, out var expired))
            {
                Fail(expired, reason);
                if (expired.Call is { } call)
                {
                    (stalled ??= []).Add(call);
                }
            }
        }
        foreach (var call in stalled ?? [])
        {
            Close(call, reason);
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        _channel.Dispose();
        Expire(long.MaxValue, "the gateway is stopping");
    }

    private void Queue(ShadowWork work, long at)
    {
        _pending[work.Id] = new Pending([work], at, null, null, null);
        if (!_queue.Writer.TryWrite(work))
        {
            if (_pending.TryRemove(work.Id, out _))
            {
                _done(work, null, "the gateway is stopping");
            }
            return;
        }
        if (Interlocked.Increment(ref _queued) >= ShadowBatch.MaxRows)
        {
            // A full message's worth of one-row copies is waiting: the window ends now rather than hold them longer.
            Volatile.Read(ref _windowFull)?.TrySetResult();
        }
    }

    /// <summary>Waits out the gather window, or less once a full message's worth of copies is queued.</summary>
    private async Task GatherAsync()
    {
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _windowFull, full);
        if (Volatile.Read(ref _queued) >= ShadowBatch.MaxRows)
        {
            return;
        }
        using var window = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var elapsed = Task.Delay(_gather, window.Token);
        if (await Task.WhenAny(elapsed, full.Task).ConfigureAwait(false) == full.Task)
        {
            // Frees the window's timer now rather than when it would have fired.
            window.Cancel();
        }
        _stop.Token.ThrowIfCancellationRequested();
    }

    private async Task SendAsync()
    {
        Call? call = null;
        var claimed = new List<Pending>();
        var messages = new List<(string Id, byte[] Message)>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_gather > TimeSpan.Zero)
                {
                    await GatherAsync().ConfigureAwait(false);
                }
                if (call is null || call.Closed)
                {
                    call = Open();
                }
                // Claim what is queued; a copy that expired meanwhile is no longer pending and is skipped.
                claimed.Clear();
                while (_queue.Reader.TryRead(out var work))
                {
                    Interlocked.Decrement(ref _queued);
                    if (_pending.TryRemove(work.Id, out var queued))
                    {
                        claimed.Add(queued);
                    }
                }
                messages.Clear();
                foreach (var (id, pending, message) in Messages(claimed, call))
                {
                    _pending[id] = pending;
                    messages.Add((id, message));
                }
                foreach (var (_, message) in messages)
                {
                    if (call.Closed)
                    {
                        break;
                    }
                    try
                    {
                        await call.Duplex.RequestStream.WriteAsync(message, _stop.Token).ConfigureAwait(false);
                    }
                    catch (RpcException ex)
                    {
                        Close(call, Reason(ex));
                    }
                    catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException
                        && !_stop.IsCancellationRequested)
                    {
                        // The call has ended or was closed (an expired copy): its receiver or Expire
                        // fails what waited on it, with the reason.
                    }
                }
                if (call.Closed)
                {
                    // The call closed while these were being sent: its receiver may have failed the others already.
                    foreach (var (id, _) in messages)
                    {
                        if (_pending.TryRemove(id, out var late))
                        {
                            Fail(late, call.Reason);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (call is not null)
            {
                Close(call, "the gateway is stopping");
            }
        }
    }

    /// <summary>
    /// The messages for claimed copies: copies of one model version that differ only in their rows
    /// merged, up to <see cref="ShadowBatch.MaxRows"/> rows and <see cref="ShadowBatch.MaxBytes"/> a message; the rest as they came.
    /// </summary>
    private IEnumerable<(string Id, Pending Pending, byte[] Message)> Messages(List<Pending> claimed, Call call)
    {
        Dictionary<ByteString, List<(Pending Pending, ModelInferRequest Request, long Rows)>>? groups = null;
        foreach (var pending in claimed)
        {
            var work = pending.Works[0];
            ModelInferRequest? request = null;
            ByteString? key = null;
            long rows = 0;
            if (!work.Alone && claimed.Count > 1)
            {
                try
                {
                    request = ModelInferRequest.Parser.ParseFrom(work.Message);
                    key = ShadowBatch.MergeKey(request, out rows);
                }
                catch (InvalidProtocolBufferException)
                {
                    // Sent alone: the worker names what is wrong with it.
                }
            }
            if (key is null || rows > ShadowBatch.MaxRows
                || (_unmergeable.TryGetValue(key, out var until) && Stopwatch.GetTimestamp() < until))
            {
                yield return (work.Id, pending with { Call = call }, work.Message);
                continue;
            }
            groups ??= new Dictionary<ByteString, List<(Pending, ModelInferRequest, long)>>();
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = [];
            }
            group.Add((pending, request!, rows));
        }
        foreach (var (key, group) in groups ?? [])
        {
            for (var start = 0; start < group.Count;)
            {
                var end = start;
                long rows = 0;
                long bytes = 0;
                while (end < group.Count && rows + group[end].Rows <= ShadowBatch.MaxRows
                    && (end == start || bytes + group[end].Pending.Works[0].Message.Length <= ShadowBatch.MaxBytes))
                {
                    bytes += group[end].Pending.Works[0].Message.Length;
                    rows += group[end++].Rows;
                }
                if (end - start == 1)
                {
                    var work = group[start].Pending.Works[0];
                    yield return (work.Id, group[start].Pending with { Call = call }, work.Message);
                }
                else
                {
                    var part = group.GetRange(start, end - start);
                    var id = "mlops-shadow-batch-" + (++_merged).ToString(CultureInfo.InvariantCulture);
                    var pending = new Pending(
                        [.. part.Select(p => p.Pending.Works[0])], part.Min(p => p.Pending.At), call, [.. part.Select(p => p.Rows)], key);
                    yield return (id, pending, ShadowBatch.Merge([.. part.Select(p => p.Request)], id).ToByteArray());
                }
                start = end;
            }
        }
    }

    private Call Open()
    {
        var duplex = _channel.CreateCallInvoker().AsyncDuplexStreamingCall(s_streamInfer, null, new CallOptions(s_headers, cancellationToken: _stop.Token));
        var call = new Call(duplex);
        _ = Task.Run(() => ReceiveAsync(call));
        return call;
    }

    private async Task ReceiveAsync(Call call)
    {
        var reason = "the worker ended the stream";
        try
        {
            while (await call.Duplex.ResponseStream.MoveNext(_stop.Token).ConfigureAwait(false))
            {
                var answer = ModelStreamInferResponse.Parser.ParseFrom(call.Duplex.ResponseStream.Current);
                // An answer for an id no longer waiting came after its copy expired: nothing to record.
                if (_pending.TryRemove(answer.InferResponse?.Id ?? "", out var pending))
                {
                    Answer(pending, answer);
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or OperationCanceledException
            or InvalidProtocolBufferException)
        {
            reason = Reason(ex);
        }
        Close(call, reason);
    }

    private void Answer(Pending pending, ModelStreamInferResponse answer)
    {
        if (pending.Rows is null)
        {
            var work = pending.Works[0];
            // Before the copy's outcome is reported, so whoever sees the last outcome also sees the verdict.
            work.Retry?.Report(answer.ErrorMessage.Length == 0);
            _done(work, answer, null);
            return;
        }
        if (answer.ErrorMessage.Length == 0 && ShadowBatch.TrySplit(answer.InferResponse, pending.Rows, out var parts))
        {
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i].Id = pending.Works[i].Id;
                _done(pending.Works[i], new ModelStreamInferResponse { InferResponse = parts[i] }, null);
            }
            return;
        }
        // The version refused the merged rows (say, a fixed batch of one), or one copy spoiled the
        // rest, or the version answered but not row by row: each copy goes again alone, so each gets
        // its own answer. Answered but not splittable says the merging is at fault at once; a refusal
        // says so only if every copy alone is then answered.
        MergeRetry? retry = null;
        if (answer.ErrorMessage.Length == 0)
        {
            StopMerging(pending.Key!);
        }
        else
        {
            retry = new MergeRetry(this, pending.Key!, pending.Works.Length);
        }
        foreach (var work in pending.Works)
        {
            Queue(work with { Alone = true, Retry = retry }, pending.At);
        }
    }

    /// <summary>Copies with this merge key go alone for a while.</summary>
    private void StopMerging(ByteString key) =>
        _unmergeable[key] = Stopwatch.GetTimestamp() + (long)(s_unmergeableFor.TotalSeconds * Stopwatch.Frequency);

    private void Fail(Pending pending, string reason)
    {
        foreach (var work in pending.Works)
        {
            // No answer says nothing about the merging: counted as not answered, so merging goes on.
            work.Retry?.Report(answered: false);
            _done(work, null, reason);
        }
    }

    /// <summary>Marks the call closed and fails every copy still waiting on it.</summary>
    private void Close(Call call, string reason)
    {
        lock (call)
        {
            if (call.Closed)
            {
                return;
            }
            call.Reason = reason;
            call.Closed = true;
        }
        call.Duplex.Dispose();
        foreach (var (id, pending) in _pending)
        {
            if (pending.Call == call && _pending.TryRemove(id, out var failed))
            {
                Fail(failed, reason);
            }
        }
    }

    private static string Reason(Exception ex) => ex is RpcException rpc
        ? $"{rpc.StatusCode}: {rpc.Status.Detail}"
        : $"{ex.GetType().Name}: {ex.Message}";

    /// <summary>
    /// The copies of one refused merged message, sent again alone. When the last is answered or
    /// failed: if every one was answered, the merging was at fault and copies like them stop being
    /// merged for a while; if any was refused, that copy was.
    /// </summary>
    internal sealed class MergeRetry(ShadowStream stream, ByteString key, int copies)
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
                stream.StopMerging(key);
            }
        }
    }

    private sealed class Call(AsyncDuplexStreamingCall<byte[], byte[]> duplex)
    {
        private volatile bool _closed;

        public AsyncDuplexStreamingCall<byte[], byte[]> Duplex { get; } = duplex;

        public bool Closed { get => _closed; set => _closed = value; }

        public string Reason { get; set; } = "";
    }

    /// <summary>
    /// A message waiting for its answer: one copy, or copies merged (with the rows of each and what
    /// they share). <see cref="Call"/> is null until it is sent; <see cref="At"/> is when its first copy was queued.
    /// </summary>
    private sealed record Pending(ShadowWork[] Works, long At, Call? Call, long[]? Rows, ByteString? Key);
}
