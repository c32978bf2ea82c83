using System.Buffers.Binary;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Calls an Open Inference Protocol server (a gateway or a worker) for load: requests are
/// serialised once up front and answers are not parsed, so the load tool spends its CPU on sending,
/// not on protobuf, and measures the server rather than itself.
/// </summary>
public sealed class OipLoadClient : IDisposable
{
    private const string ServiceName = "inference.GRPCInferenceService";

    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(static b => b, static b => b);
    private static readonly Method<byte[], byte[]> s_modelInfer = new(MethodType.Unary, ServiceName, "ModelInfer", s_bytes, s_bytes);

    private readonly GrpcChannel[] _channels;
    private readonly Metadata _headers = [];

    /// <param name="address">The server, e.g. <c>http://127.0.0.1:5000</c> (h2c) or an https address.</param>
    /// <param name="apiKey">Sent as <c>x-api-key</c>; a worker ignores it.</param>
    /// <param name="connections">HTTP/2 connections to spread the load over.</param>
    /// <exception cref="ArgumentException">The address is not an http(s) URL.</exception>
    public OipLoadClient(string address, string? apiKey, int connections = 1)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Target '{address}' is not an http:// or https:// address, e.g. http://127.0.0.1:5000.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        Address = address;
        if (!string.IsNullOrEmpty(apiKey))
        {
            _headers.Add("x-api-key", apiKey);
        }
        _channels = new GrpcChannel[connections];
        for (var i = 0; i < connections; i++)
        {
            _channels[i] = GrpcChannel.ForAddress(uri, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    // Past the server's stream limit (100 by default) open more connections rather than queue.
                    EnableMultipleHttp2Connections = true,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                },
                MaxReceiveMessageSize = null,
                MaxSendMessageSize = null,
            });
        }
    }

    /// <summary>The server called.</summary>
    public string Address { get; }

    /// <summary>The model's metadata: its inputs drive generated requests.</summary>
    /// <exception cref="RpcException">The server refused or could not be reached.</exception>
    public async Task<ModelMetadataResponse> GetMetadataAsync(string model, string? version, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(_channels[0]);
        return await client.ModelMetadataAsync(new ModelMetadataRequest { Name = model, Version = version ?? "" },
            _headers, DateTime.UtcNow + timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A <see cref="LoadCall"/> sending <paramref name="requests"/> in turn, each with a deadline of
    /// <paramref name="timeout"/>, spread over the connections.
    /// </summary>
    public LoadCall InferCall(IReadOnlyList<ModelInferRequest> requests, TimeSpan timeout)
    {
        if (requests.Count == 0)
        {
            throw new ArgumentException("At least one request is needed.", nameof(requests));
        }
        var payloads = requests.Select(r => r.ToByteArray()).ToArray();
        var invokers = _channels.Select(c => c.CreateCallInvoker()).ToArray();
        var next = -1;
        return async cancellationToken =>
        {
            var index = (uint)Interlocked.Increment(ref next);
            var invoker = invokers[index % (uint)invokers.Length];
            var options = new CallOptions(_headers, DateTime.UtcNow + timeout, cancellationToken);
            using var call = invoker.AsyncUnaryCall(s_modelInfer, null, options, payloads[index % (uint)payloads.Length]);
            await call.ResponseAsync.ConfigureAwait(false);
        };
    }

    /// <summary>
    /// The request as one gRPC message frame (a zero compression flag, the big-endian length, the
    /// message), for replaying it with another tool such as <c>h2load -d</c>.
    /// </summary>
    public static byte[] GrpcFrame(ModelInferRequest request)
    {
        var message = request.ToByteArray();
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>Closes the client's channels and their connections.</summary>
    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
