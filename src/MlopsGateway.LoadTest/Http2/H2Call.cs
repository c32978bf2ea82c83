using System.Collections.Concurrent;
using System.Text;
using System.Threading.Tasks.Sources;
using Grpc.Core;
using MlopsGateway.LoadTest.Http2.Hpack;
using MlopsGateway.LoadTest.Internal;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>
/// One call in flight, pooled: the awaitable the caller waits on (completed by the connection's read
/// loop, its continuation run there rather than handed to another thread), the request's send state,
/// and what is read of the answer (status, content type, gRPC frame lengths, grpc-status) without
/// keeping its bytes. A call is owned by one connection's queue or stream table at a time, and is
/// only touched under that connection's lock until it is taken out to be completed.
/// </summary>
internal sealed class H2Call : IValueTaskSource, IHeaderSink
{
    private static readonly ConcurrentQueue<H2Call> s_pool = new();

    private ManualResetValueTaskSourceCore<bool> _core;
    private int _block;
    private int _httpStatus;
    private string? _contentType;
    private string? _grpcStatus;
    private string? _grpcMessage;
    private bool _statusInHeaders;
    private int _prefixRead;
    private long _length;
    private long _remaining;
    private int _messages;

    public RequestTemplate Request { get; private set; } = null!;

    /// <summary><see cref="Environment.TickCount64"/> at which the call's own deadline passes.</summary>
    public long Deadline { get; private set; }

    public CancellationToken Cancellation { get; private set; }

    /// <summary>Its stream, once the writer opened one (0 before).</summary>
    public int StreamId { get; set; }

    /// <summary>Body bytes already written.</summary>
    public int BodySent { get; set; }

    /// <summary>What the server's window lets this stream still send.</summary>
    public long SendWindow { get; set; }

    /// <summary>Body bytes received since the last stream WINDOW_UPDATE.</summary>
    public int ReceivedSinceUpdate { get; set; }

    /// <summary>The caller's awaitable; valid until its result is taken.</summary>
    public ValueTask Task => new(this, _core.Version);

    public static H2Call Rent(RequestTemplate request, long deadline, CancellationToken cancellation)
    {
        var call = s_pool.TryDequeue(out var pooled) ? pooled : new H2Call();
        call.Request = request;
        call.Deadline = deadline;
        call.Cancellation = cancellation;
        return call;
    }

    /// <summary>After a header block of this stream was decoded: the first is the headers, the next the trailers.</summary>
    public void EndBlock() => _block++;

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (name.SequenceEqual("grpc-status"u8))
        {
            _grpcStatus = value.Length == 1 && value[0] == (byte)'0' ? "0" : Encoding.ASCII.GetString(value);
            _statusInHeaders = _block == 0;
        }
        else if (name.SequenceEqual("grpc-message"u8))
        {
            _grpcMessage = Encoding.UTF8.GetString(value);
        }
        else if (_block == 0 && name.SequenceEqual(":status"u8))
        {
            _httpStatus = value.Length == 3 ? ((value[0] - '0') * 100) + ((value[1] - '0') * 10) + (value[2] - '0') : -1;
        }
        else if (_block == 0 && name.SequenceEqual("content-type"u8))
        {
            _contentType = value.SequenceEqual("application/grpc"u8) ? "application/grpc" : Encoding.ASCII.GetString(value);
        }
    }

    /// <summary>Follows the gRPC frames' 5-byte prefixes through a DATA frame's payload.</summary>
    public void OnData(ReadOnlySpan<byte> data)
    {
        var at = 0;
        while (at < data.Length)
        {
            if (_remaining > 0)
            {
                var take = (int)Math.Min(_remaining, data.Length - at);
                _remaining -= take;
                at += take;
                _messages += _remaining == 0 ? 1 : 0;
                continue;
            }
            // A compression flag (not needed to skip the message), then the big-endian length.
            _length = _prefixRead == 0 ? 0 : (_length << 8) | data[at];
            at++;
            if (++_prefixRead == 5)
            {
                _prefixRead = 0;
                _remaining = _length;
                _messages += _length == 0 ? 1 : 0;
            }
        }
    }

    /// <summary>The stream ended: completes the call with what its answer said.</summary>
    public void Finish()
    {
        var status = _grpcStatus is null ? (Status?)null : _grpcStatus == "0" && _grpcMessage is null ? Status.DefaultSuccess : GrpcAnswer.StatusOf(_grpcStatus, _grpcMessage);
        var outcome = GrpcAnswer.Judge(_httpStatus, _contentType, _statusInHeaders ? status : null,
            _prefixRead == 0 && _remaining == 0, _statusInHeaders ? null : status, _messages);
        if (outcome is { } failed)
        {
            _core.SetException(new RpcException(failed));
        }
        else
        {
            _core.SetResult(true);
        }
    }

    public void Fail(Exception exception) => _core.SetException(exception);

    public void Fail(Status status) => _core.SetException(new RpcException(status));

    public void GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            Reset();
            s_pool.Enqueue(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Reset()
    {
        _core.Reset();
        Request = null!;
        Cancellation = default;
        StreamId = 0;
        BodySent = 0;
        SendWindow = 0;
        ReceivedSinceUpdate = 0;
        _block = 0;
        _httpStatus = 0;
        _contentType = null;
        _grpcStatus = null;
        _grpcMessage = null;
        _statusInHeaders = false;
        _prefixRead = 0;
        _length = 0;
        _remaining = 0;
        _messages = 0;
    }
}
