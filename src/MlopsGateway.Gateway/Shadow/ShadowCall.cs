using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using MlopsGateway.Contracts;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// One long-lived ModelStreamInfer call to a worker, carrying shadow copies as its messages: opened
/// by a stream's sending loop, read by a loop of its own, and closed once, by whichever comes first
/// of the worker ending it, an error, expiry or the gateway stopping. The messages are written as
/// bytes already serialised; answers are handed over parsed.
/// </summary>
internal sealed class ShadowCall
{
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(static b => b, static b => b);
    private static readonly Method<byte[], byte[]> s_streamInfer =
        new(MethodType.DuplexStreaming, "inference.GRPCInferenceService", "ModelStreamInfer", s_bytes, s_bytes);

    private readonly AsyncDuplexStreamingCall<byte[], byte[]> _duplex;
    private readonly Action<ShadowCall, string> _closed;
    private readonly Lock _closing = new();
    private volatile bool _isClosed;

    private ShadowCall(AsyncDuplexStreamingCall<byte[], byte[]> duplex, Action<ShadowCall, string> closed)
    {
        _duplex = duplex;
        _closed = closed;
    }

    /// <summary>Whether the call has closed; nothing more is written to it.</summary>
    public bool Closed => _isClosed;

    /// <summary>Why the call closed; empty while it is open.</summary>
    public string Reason { get; private set; } = "";

    /// <summary>The metadata of a shadow call: the shadow mark, and the worker secret when the gateway has one.</summary>
    public static Metadata Headers(string? workerSecret)
    {
        var headers = new Metadata { { GatewayHeaders.ShadowHeader, "1" } };
        if (workerSecret is not null)
        {
            headers.Add(WorkerHeaders.WorkerSecret, workerSecret);
        }
        return headers;
    }

    /// <summary>
    /// Opens a call on <paramref name="channel"/> with <paramref name="headers"/> (see <see cref="Headers"/>).
    /// <paramref name="answered"/> is called with each answer as it arrives, <paramref name="closed"/>
    /// once when the call closes, with the reason.
    /// </summary>
    public static ShadowCall Open(
        GrpcChannel channel, Metadata headers, Action<ModelStreamInferResponse> answered, Action<ShadowCall, string> closed, CancellationToken stop)
    {
        var duplex = channel.CreateCallInvoker().AsyncDuplexStreamingCall(s_streamInfer, null, new CallOptions(headers, cancellationToken: stop));
        var call = new ShadowCall(duplex, closed);
        _ = Task.Run(() => call.ReceiveAsync(answered, stop));
        return call;
    }

    /// <summary>Writes one message; a write the worker refuses closes the call with the reason.</summary>
    public async Task WriteAsync(byte[] message, CancellationToken stop)
    {
        try
        {
            await _duplex.RequestStream.WriteAsync(message, stop).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            Close(Describe(ex));
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException && !stop.IsCancellationRequested)
        {
            // The call has ended or was closed (an expired copy): its receiver or whoever closed it
            // fails what waited on it, with the reason.
        }
    }

    /// <summary>Closes the call once; later closes do nothing.</summary>
    public void Close(string reason)
    {
        lock (_closing)
        {
            if (_isClosed)
            {
                return;
            }
            Reason = reason;
            _isClosed = true;
        }
        _duplex.Dispose();
        _closed(this, reason);
    }

    private async Task ReceiveAsync(Action<ModelStreamInferResponse> answered, CancellationToken stop)
    {
        var reason = "the worker ended the stream";
        try
        {
            while (await _duplex.ResponseStream.MoveNext(stop).ConfigureAwait(false))
            {
                answered(ModelStreamInferResponse.Parser.ParseFrom(_duplex.ResponseStream.Current));
            }
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException or OperationCanceledException
            or InvalidProtocolBufferException)
        {
            reason = Describe(ex);
        }
        Close(reason);
    }

    private static string Describe(Exception ex) => ex is RpcException rpc
        ? $"{rpc.StatusCode}: {rpc.Status.Detail}"
        : $"{ex.GetType().Name}: {ex.Message}";
}
