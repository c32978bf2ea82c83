using System.Collections.Concurrent;
using System.Diagnostics;
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
/// Copies queued within a gather window go out back to back: one wake-up of the sending loop for all
/// of them here, and at the worker they arrive together, run as one batch and are answered in one
/// flush. (Grpc.Net.Client still flushes each message: it does not honour a stream writer's
/// BufferHint, so each copy is still one socket write here.)
/// </summary>
internal sealed class ShadowStream : IDisposable
{
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(static b => b, static b => b);
    private static readonly Method<byte[], byte[]> s_streamInfer =
        new(MethodType.DuplexStreaming, "inference.GRPCInferenceService", "ModelStreamInfer", s_bytes, s_bytes);
    private static readonly Metadata s_headers = new() { { GatewayHeaders.ShadowHeader, "1" } };

    private readonly GrpcChannel _channel;
    // Unbounded here because ShadowDispatcher bounds the copies in flight across all streams and
    // drops the rest before they are queued; one writer per sampled request, one sending loop.
    private readonly Channel<ShadowWork> _queue = Channel.CreateUnbounded<ShadowWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly Action<ShadowWork, ModelStreamInferResponse?, string?> _done;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _gather;
    private long _lastUsed = Stopwatch.GetTimestamp();

    /// <param name="address">The worker, e.g. <c>http://127.0.0.1:5001</c>.</param>
    /// <param name="done">
    /// Called exactly once per copy: with the worker's answer, or with null and why there is none.
    /// </param>
    /// <param name="gather">How long the first copy queued waits for others to go out with it; zero sends at once.</param>
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
    public int Waiting => _pending.Count;

    /// <summary>When a copy was last queued here (a <see cref="Stopwatch"/> timestamp).</summary>
    public long LastUsed => Interlocked.Read(ref _lastUsed);

    /// <summary>Queues a copy; its message must carry <see cref="ShadowWork.Id"/> as the request id.</summary>
    public void Enqueue(ShadowWork work)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _lastUsed, now);
        // Waiting from now, not from when it is sent, so a copy stuck behind a stalled send expires too.
        _pending[work.Id] = new Pending(work, now, null);
        if (!_queue.Writer.TryWrite(work) && _pending.TryRemove(work.Id, out _))
        {
            _done(work, null, "the gateway is stopping");
        }
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
                _done(expired.Work, null, reason);
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

    private async Task SendAsync()
    {
        Call? call = null;
        var batch = new List<ShadowWork>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_gather > TimeSpan.Zero)
                {
                    await Task.Delay(_gather, _stop.Token).ConfigureAwait(false);
                }
                if (call is null || call.Closed)
                {
                    call = Open();
                }
                // Claim what is queued for this call; a copy that expired meanwhile is skipped.
                batch.Clear();
                while (_queue.Reader.TryRead(out var work))
                {
                    if (_pending.TryGetValue(work.Id, out var queued) && _pending.TryUpdate(work.Id, queued with { Call = call }, queued))
                    {
                        batch.Add(work);
                    }
                }
                foreach (var work in batch)
                {
                    if (call.Closed)
                    {
                        break;
                    }
                    try
                    {
                        await call.Duplex.RequestStream.WriteAsync(work.Message, _stop.Token).ConfigureAwait(false);
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
                    // The call closed while this batch was being sent: its receiver may have failed the others already.
                    foreach (var work in batch)
                    {
                        if (_pending.TryRemove(work.Id, out var late))
                        {
                            _done(late.Work, null, call.Reason);
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
                    _done(pending.Work, answer, null);
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
                _done(failed.Work, null, reason);
            }
        }
    }

    private static string Reason(Exception ex) => ex is RpcException rpc
        ? $"{rpc.StatusCode}: {rpc.Status.Detail}"
        : $"{ex.GetType().Name}: {ex.Message}";

    private sealed class Call(AsyncDuplexStreamingCall<byte[], byte[]> duplex)
    {
        private volatile bool _closed;

        public AsyncDuplexStreamingCall<byte[], byte[]> Duplex { get; } = duplex;

        public bool Closed { get => _closed; set => _closed = value; }

        public string Reason { get; set; } = "";
    }

    /// <summary>A copy waiting for its answer; <see cref="Call"/> is null until it is sent.</summary>
    private sealed record Pending(ShadowWork Work, long At, Call? Call);
}
