using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Inference;
using MlopsGateway.LoadTest.Internal;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Calls ModelInfer for load as h2load does: each distinct request is encoded once as a gRPC frame
/// and sent as it is over HTTP/2, and an answer is read into a pooled buffer with only its status
/// looked at (the HTTP status, the content type, one message frame, <c>grpc-status</c> and
/// <c>grpc-message</c>). No protobuf work and no gRPC client machinery runs per call, so the tool's
/// CPU goes to HTTP/2, as h2load's does. Failures surface as <see cref="RpcException"/> with the
/// status Grpc.Net.Client would report, so both clients count errors alike.
/// </summary>
public sealed class FrameLoadClient : IDisposable
{
    private const string ModelInferPath = "/inference.GRPCInferenceService/ModelInfer";

    private readonly HttpMessageInvoker[] _invokers;
    private readonly Uri _uri;
    private readonly string? _apiKey;
    // Deadline sources are reused (TryReset): a new one per call would be an allocation and a finalizable timer each.
    private readonly ConcurrentQueue<CancellationTokenSource> _deadlines = new();

    /// <param name="address">The server, e.g. <c>http://127.0.0.1:5000</c> (h2c, prior knowledge) or an https address.</param>
    /// <param name="apiKey">Sent as <c>x-api-key</c>; a worker ignores it.</param>
    /// <param name="connections">
    /// HTTP/2 connections the calls are spread over in turn, as h2load's <c>-c</c>; each opens another
    /// past the server's stream limit rather than queueing.
    /// </param>
    /// <exception cref="ArgumentException">The address is not an http(s) URL.</exception>
    public FrameLoadClient(string address, string? apiKey, int connections = 1)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Target '{address}' is not an http:// or https:// address, e.g. http://127.0.0.1:5000.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        _uri = new Uri(uri, ModelInferPath);
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        _invokers = new HttpMessageInvoker[connections];
        for (var i = 0; i < connections; i++)
        {
            _invokers[i] = new HttpMessageInvoker(new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                UseProxy = false,
                UseCookies = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                // No traceparent per call: the load is not what is being traced, and the header costs CPU.
                ActivityHeadersPropagator = null,
            }, disposeHandler: true);
        }
    }

    /// <summary>
    /// A <see cref="LoadCall"/> sending <paramref name="requests"/> in turn, each with a deadline of
    /// <paramref name="timeout"/> (sent as <c>grpc-timeout</c> and kept here too), spread over the connections.
    /// </summary>
    public LoadCall InferCall(IReadOnlyList<ModelInferRequest> requests, TimeSpan timeout)
    {
        if (requests.Count == 0)
        {
            throw new ArgumentException("At least one request is needed.", nameof(requests));
        }
        var contents = requests.Select(r => new FrameContent(OipLoadClient.GrpcFrame(r))).ToArray();
        // gRPC's own unit choice: whole milliseconds, at most 8 digits.
        var grpcTimeout = string.Create(CultureInfo.InvariantCulture, $"{Math.Clamp((long)Math.Ceiling(timeout.TotalMilliseconds), 1, 99_999_999)}m");
        var next = -1;
        return cancellationToken =>
        {
            var index = (uint)Interlocked.Increment(ref next);
            return SendAsync(_invokers[index % (uint)_invokers.Length], contents[index % (uint)contents.Length], grpcTimeout, timeout, cancellationToken);
        };
    }

    // Pooled state machines: a call that waits for its answer would otherwise allocate one per await chain.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(HttpMessageInvoker invoker, FrameContent content, string grpcTimeout, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // A new message per call (HttpClient sends a message once); its content is shared and never
        // disposed, which is why the message is not disposed either (disposing it would dispose the content).
        var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation("te", "trailers");
        headers.TryAddWithoutValidation("grpc-timeout", grpcTimeout);
        if (_apiKey is not null)
        {
            headers.TryAddWithoutValidation("x-api-key", _apiKey);
        }
        var deadline = _deadlines.TryDequeue(out var reused) ? reused : new CancellationTokenSource();
        deadline.CancelAfter(timeout);
        var stop = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), deadline)
            : default;
        try
        {
            using var response = await invoker.SendAsync(request, deadline.Token).ConfigureAwait(false);
            await GrpcAnswer.ReadAsync(response, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
        }
        catch (HttpRequestException ex)
        {
            throw new RpcException(GrpcAnswer.StatusOf(ex));
        }
        finally
        {
            await stop.DisposeAsync().ConfigureAwait(false);
            if (deadline.TryReset())
            {
                _deadlines.Enqueue(deadline);
            }
            else
            {
                deadline.Dispose();
            }
        }
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose()
    {
        foreach (var invoker in _invokers)
        {
            invoker.Dispose();
        }
        while (_deadlines.TryDequeue(out var deadline))
        {
            deadline.Dispose();
        }
    }

    /// <summary>
    /// One pre-encoded request, shared by every call that sends it: its headers are set once here and
    /// only read afterwards, and it serialises from the same bytes each time.
    /// </summary>
    private sealed class FrameContent : HttpContent
    {
        private static readonly MediaTypeHeaderValue s_grpc = new("application/grpc");

        private readonly byte[] _frame;

        public FrameContent(byte[] frame)
        {
            _frame = frame;
            Headers.ContentType = s_grpc;
            Headers.ContentLength = frame.Length;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            stream.WriteAsync(_frame).AsTask();

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            stream.WriteAsync(_frame, cancellationToken).AsTask();

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            stream.Write(_frame);

        protected override bool TryComputeLength(out long length)
        {
            length = _frame.Length;
            return true;
        }
    }
}
