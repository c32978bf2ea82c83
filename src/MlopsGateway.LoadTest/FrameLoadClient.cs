using System.Globalization;
using Grpc.Core;
using Inference;
using MlopsGateway.LoadTest.Http2;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Calls ModelInfer for load as h2load does, over its own HTTP/2 client (<see cref="Http2"/>): each
/// distinct request is encoded once, headers and gRPC frame, and sent as it is with only the stream
/// id patched; answers are parsed for their status only (the HTTP status, the content type, the gRPC
/// frame lengths, <c>grpc-status</c> and <c>grpc-message</c>). No protobuf work, no per-call task
/// or timer, and no hand-off between threads runs per call, so the tool's CPU goes to the wire, as
/// h2load's does. Failures surface as <see cref="RpcException"/> with the status Grpc.Net.Client
/// would report, so both clients count errors alike.
/// </summary>
public sealed class FrameLoadClient : IDisposable
{
    private const string ModelInferPath = "/inference.GRPCInferenceService/ModelInfer";
    private static readonly TimeSpan s_scanInterval = TimeSpan.FromMilliseconds(20);

    private readonly Http2ClientOptions _options;
    private readonly string _authority;
    private readonly string? _apiKey;
    private readonly H2Connection?[] _slots;
    private readonly Lock _sync = new();
    private readonly Timer _deadlines;
    // Every connection not yet closed, the draining ones too: scanned for deadlines and closed on Dispose. Replaced, never changed.
    private H2Connection[] _open = [];
    private bool _disposed;

    /// <param name="address">The server, e.g. <c>http://127.0.0.1:5000</c> (h2c, prior knowledge) or an https address (TLS, ALPN h2).</param>
    /// <param name="apiKey">Sent as <c>x-api-key</c>; a worker ignores it.</param>
    /// <param name="connections">
    /// HTTP/2 connections the calls are spread over, as h2load's <c>-c</c>: first in turn, then each
    /// caller's next call on the connection that answered its last; each keeps to the server's stream
    /// limit, queueing the calls past it.
    /// </param>
    /// <exception cref="ArgumentException">The address is not an http(s) URL.</exception>
    public FrameLoadClient(string address, string? apiKey, int connections = 1)
        : this(Endpoint(address), apiKey, connections)
    {
    }

    internal FrameLoadClient(Http2ClientOptions options, string? apiKey, int connections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        _options = options;
        _authority = options.Port is 80 or 443 ? options.Host : $"{options.Host}:{options.Port}";
        _apiKey = string.IsNullOrEmpty(apiKey) ? null : apiKey;
        _slots = new H2Connection?[connections];
        _deadlines = new Timer(static s => ((FrameLoadClient)s!).Expire(), this, s_scanInterval, s_scanInterval);
    }

    /// <summary>The connections in use now, for tests.</summary>
    internal IReadOnlyList<H2Connection> Connections => _open;

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
        // gRPC's own unit choice: whole milliseconds, at most 8 digits.
        var milliseconds = Math.Clamp((long)Math.Ceiling(timeout.TotalMilliseconds), 1, 99_999_999);
        var grpcTimeout = string.Create(CultureInfo.InvariantCulture, $"{milliseconds}m");
        var templates = requests
            .Select(r => RequestTemplate.Create(_options.Https, _authority, ModelInferPath, grpcTimeout, _apiKey, OipLoadClient.GrpcFrame(r)))
            .ToArray();
        var next = -1;
        return cancellationToken =>
        {
            var index = (uint)Interlocked.Increment(ref next);
            return Send(templates[index % (uint)templates.Length], index % (uint)_slots.Length, milliseconds, cancellationToken);
        };
    }

    private ValueTask Send(RequestTemplate request, uint slot, long timeoutMilliseconds, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        var call = H2Call.Rent(request, Environment.TickCount64 + timeoutMilliseconds, cancellationToken);
        var task = call.Task;
        // A caller whose last call a read loop just completed stays on that connection, as h2load's
        // streams stay on theirs: its next call then goes out in the same write as the others that read answered.
        if (FlushDeferral.Reading is { Owner: var owner } reading && ReferenceEquals(owner, this) && reading.TrySend(call))
        {
            return task;
        }
        // A connection may stop taking calls between being picked and queued on (a GOAWAY): pick again.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (Connection(slot) is not { } connection)
            {
                break;
            }
            if (connection.TrySend(call))
            {
                return task;
            }
        }
        call.Fail(new Status(StatusCode.Unavailable, _disposed ? "The load client was closed." : "No connection takes calls."));
        return task;
    }

    private H2Connection? Connection(uint slot)
    {
        var connection = Volatile.Read(ref _slots[slot]);
        if (connection is { TakesCalls: true })
        {
            return connection;
        }
        lock (_sync)
        {
            connection = _slots[slot];
            if (connection is { TakesCalls: true } || _disposed)
            {
                return _disposed ? null : connection;
            }
            // The old one (closed, or draining after a GOAWAY) is replaced; a draining one finishes its streams on its own.
            connection = H2Connection.Open(_options, this);
            _open = [.. _open.Where(c => !c.IsClosed), connection];
            Volatile.Write(ref _slots[slot], connection);
            return connection;
        }
    }

    private void Expire()
    {
        var now = Environment.TickCount64;
        foreach (var connection in _open)
        {
            connection.Expire(now);
        }
    }

    /// <summary>Closes the connections; calls still in flight fail as UNAVAILABLE.</summary>
    public void Dispose()
    {
        H2Connection[] open;
        lock (_sync)
        {
            _disposed = true;
            open = _open;
            _open = [];
        }
        _deadlines.Dispose();
        foreach (var connection in open)
        {
            connection.Dispose();
        }
    }

    private static Http2ClientOptions Endpoint(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Target '{address}' is not an http:// or https:// address, e.g. http://127.0.0.1:5000.");
        }
        return new Http2ClientOptions(uri.IdnHost, uri.Port, uri.Scheme == Uri.UriSchemeHttps);
    }
}
