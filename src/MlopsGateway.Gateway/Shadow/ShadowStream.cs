using System.Threading.Channels;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// The shadow copies bound for one worker, sent as messages of one long-lived ModelStreamInfer call
/// (<see cref="ShadowCall"/>) on a connection of their own rather than as one HTTP/2 request each. A
/// copy then costs a DATA frame instead of a request's headers, trailers and stream set-up, in the
/// gateway and in the worker, and never shares a connection with callers' requests. Answers are
/// matched to copies by request id. When the call breaks, every copy waiting on it fails and the
/// next copy opens a new call.
/// Copies queued within a gather window (<see cref="ShadowGather"/>) go out together: those of one
/// model version that differ only in their rows as one merged request (<see cref="ShadowMerger"/>),
/// whose answer is split back per copy; the worker runs it as one batch. When a merged request
/// fails, its copies go again one by one, so a copy the shadow refuses fails alone; whether the
/// merging was at fault is <see cref="ShadowMergeLearning"/>'s to tell. A window of zero sends each
/// copy at once and alone.
/// </summary>
internal sealed class ShadowStream : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Metadata _headers;
    // Unbounded here because ShadowDispatcher bounds the copies in flight across all streams and
    // drops the rest before they are queued; one writer per sampled request, one sending loop.
    private readonly Channel<ShadowWork> _queue = Channel.CreateUnbounded<ShadowWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<ShadowWork, ModelStreamInferResponse?, string?> _done;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly ShadowWaiting _waiting;
    private readonly ShadowGather _gather;
    private readonly ShadowMergeLearning _learning;
    private readonly ShadowMerger _merger;
    private long _lastUsed;

    /// <param name="address">The worker, e.g. <c>http://127.0.0.1:5001</c>.</param>
    /// <param name="done">
    /// Called exactly once per copy: with the worker's answer, or with null and why there is none.
    /// </param>
    /// <param name="gather">
    /// How long the first copy queued waits for others to go out with it, less once <see cref="ShadowBatch.MaxRows"/>
    /// copies are queued (a full message of one-row copies); zero sends each copy at once, never merged.
    /// </param>
    /// <param name="time">The clock of the gather window, expiry and merging's pauses; the system's by default.</param>
    /// <param name="tls">Which certificates an <c>https://</c> worker may show; the machine's roots when null.</param>
    /// <param name="workerSecret">The worker secret sent on the stream's calls; none when null.</param>
    public ShadowStream(
        string address, Action<ShadowWork, ModelStreamInferResponse?, string?> done, TimeSpan gather = default, TimeProvider? time = null,
        WorkerTls? tls = null, string? workerSecret = null)
    {
        _headers = ShadowCall.Headers(workerSecret);
        _done = done;
        _time = time ?? TimeProvider.System;
        _waiting = new ShadowWaiting(done, _time);
        _gather = new ShadowGather(gather, _time);
        _learning = new ShadowMergeLearning(_time);
        _merger = new ShadowMerger(_gather.Gathers, _learning);
        _lastUsed = _time.GetTimestamp();
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        tls?.Apply(handler);
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
        });
        _ = Task.Run(SendAsync);
    }

    /// <summary>Copies queued or sent and not yet answered.</summary>
    public int Waiting => _waiting.Copies;

    /// <summary>When a copy was last queued here (a timestamp of this stream's <see cref="TimeProvider"/>).</summary>
    public long LastUsed => Interlocked.Read(ref _lastUsed);

    /// <summary>Queues a copy; its message must carry <see cref="ShadowWork.Id"/> as the request id.</summary>
    public void Enqueue(ShadowWork work)
    {
        var now = _time.GetTimestamp();
        Interlocked.Exchange(ref _lastUsed, now);
        // Waiting from now, not from when it is sent, so a copy stuck behind a stalled send expires too.
        Queue(work, now);
    }

    /// <summary>
    /// Gives up on copies queued at least <paramref name="olderThan"/> ago and still unanswered, and
    /// closes the calls they were sent on: a worker that stopped answering (or reading) must not
    /// hold the copies queued behind them.
    /// </summary>
    public void Expire(TimeSpan olderThan, string reason)
    {
        foreach (var call in _waiting.Expire(olderThan, reason) ?? [])
        {
            call.Close(reason);
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        _channel.Dispose();
        Expire(TimeSpan.Zero, "the gateway is stopping");
    }

    private void Queue(ShadowWork work, long at)
    {
        var pending = new ShadowPending([work], at, null, null, null);
        _waiting.Add(work.Id, pending);
        if (!_queue.Writer.TryWrite(work))
        {
            if (_waiting.TryTake(work.Id, out _))
            {
                _waiting.Fail(pending, "the gateway is stopping");
            }
            return;
        }
        _gather.Queued();
    }

    private async Task SendAsync()
    {
        ShadowCall? call = null;
        var claimed = new List<ShadowPending>();
        var messages = new List<(string Id, byte[] Message)>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                await _gather.WaitAsync(_stop.Token).ConfigureAwait(false);
                if (call is null || call.Closed)
                {
                    call = ShadowCall.Open(_channel, _headers, Answered, (closed, reason) => _waiting.FailSentOn(closed, reason), _stop.Token);
                }
                // Claim what is queued; a copy that expired meanwhile is no longer waiting and is skipped.
                claimed.Clear();
                while (_queue.Reader.TryRead(out var work))
                {
                    _gather.Claimed();
                    if (_waiting.TryTake(work.Id, out var queued))
                    {
                        claimed.Add(queued);
                    }
                }
                messages.Clear();
                foreach (var (id, pending, message) in _merger.Messages(claimed, call))
                {
                    _waiting.Add(id, pending);
                    messages.Add((id, message));
                }
                foreach (var (_, message) in messages)
                {
                    if (call.Closed)
                    {
                        break;
                    }
                    await call.WriteAsync(message, _stop.Token).ConfigureAwait(false);
                }
                if (call.Closed)
                {
                    // The call closed while these were being sent: it may have failed the others already.
                    foreach (var (id, _) in messages)
                    {
                        if (_waiting.TryTake(id, out var late))
                        {
                            _waiting.Fail(late, call.Reason);
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
            call?.Close("the gateway is stopping");
        }
    }

    private void Answered(ModelStreamInferResponse answer)
    {
        // An answer for an id no longer waiting came after its copy expired: nothing to record.
        if (answer.InferResponse is not { } response || !_waiting.TryTake(response.Id, out var pending))
        {
            return;
        }
        if (pending.Rows is null)
        {
            var work = pending.Works[0];
            // Before the copy's outcome is reported, so whoever sees the last outcome also sees the verdict.
            work.Retry?.Report(answer.ErrorMessage.Length == 0);
            _done(work, answer, null);
            return;
        }
        if (answer.ErrorMessage.Length == 0 && ShadowBatch.TrySplit(response, pending.Rows, out var parts))
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
        ShadowMergeLearning.RetryAlone? retry = null;
        if (answer.ErrorMessage.Length == 0)
        {
            _learning.StopMerging(pending.Key!);
        }
        else
        {
            retry = _learning.Retry(pending.Key!, pending.Works.Length);
        }
        foreach (var work in pending.Works)
        {
            Queue(work with { Alone = true, Retry = retry }, pending.At);
        }
    }
}
