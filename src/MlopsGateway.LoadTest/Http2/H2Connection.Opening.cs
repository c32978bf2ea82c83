using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>The connection's start: the socket, TLS with ALPN h2 for https, the preface and this side's SETTINGS.</summary>
internal sealed partial class H2Connection
{
    private async Task RunAsync()
    {
        try
        {
            var stream = await ConnectAsync().ConfigureAwait(false);
            lock (_sync)
            {
                if (_state == ConnectionState.Closed)
                {
                    stream.Dispose();
                    return;
                }
                _stream = stream;
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            Close(Internal.GrpcAnswer.NotStarted(ex is OperationCanceledException ? new TimeoutException($"No connection within {_options.ConnectTimeout.TotalSeconds:0.#} s.") : ex));
            return;
        }
        await ReadLoopAsync().ConfigureAwait(false);
    }

    private async Task<Stream> ConnectAsync()
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(_options.Host, _options.Port), timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        try
        {
            if (_options.Https)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = _options.Host,
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    RemoteCertificateValidationCallback = _options.CertificateValidation,
                    CertificateChainPolicy = _options.CertificateChainPolicy,
                }, timeout.Token).ConfigureAwait(false);
                if (tls.NegotiatedApplicationProtocol != SslApplicationProtocol.Http2)
                {
                    throw new AuthenticationException("The server did not agree to HTTP/2 in TLS (ALPN h2).");
                }
            }
            await stream.WriteAsync(Greeting(), timeout.Token).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // The preface, SETTINGS (no push, this side's stream window) and the connection window raised to its size.
    private byte[] Greeting()
    {
        var preface = Http2Protocol.Preface;
        var frame = new byte[preface.Length + Http2Protocol.FrameHeaderLength + 12 + Http2Protocol.FrameHeaderLength + 4];
        preface.CopyTo(frame);
        var at = preface.Length;
        Http2Protocol.WriteFrameHeader(frame.AsSpan(at), 12, Http2Protocol.Settings, 0, 0);
        at += Http2Protocol.FrameHeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at), Http2Protocol.EnablePush);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(at + 2), 0);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(at + 6), Http2Protocol.InitialWindowSize);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(at + 8), (uint)_options.StreamWindow);
        at += 12;
        var raise = _options.ConnectionWindow - Http2Protocol.DefaultWindow;
        if (raise > 0)
        {
            Http2Protocol.WriteWindowUpdate(frame.AsSpan(at), 0, raise);
            return frame;
        }
        return frame[..at];
    }
}
