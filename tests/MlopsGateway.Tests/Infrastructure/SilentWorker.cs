using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Inference;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A worker that has stopped answering: it takes HTTP/2 connections and reads the gRPC messages sent
/// on them, never answering one, so a test can wait until what was sent has arrived.
/// </summary>
public sealed class SilentWorker : IAsyncDisposable
{
    // An empty SETTINGS frame: the connection is up, and nothing more ever comes from this side.
    private static readonly byte[] s_settings = [0, 0, 0, 4, 0, 0, 0, 0, 0];

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _rows;

    public SilentWorker()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>Its address, e.g. <c>http://127.0.0.1:40001</c>.</summary>
    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The rows of every ModelInferRequest received so far (merged or not).</summary>
    public int RowsReceived => Volatile.Read(ref _rows);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                connections.Add(ReadAsync(await _listener.AcceptTcpClientAsync(_stop.Token)));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(connections);
    }

    private async Task ReadAsync(TcpClient client)
    {
        using var connection = client;
        var stream = client.GetStream();
        var received = new Dictionary<int, byte[]>();
        try
        {
            await stream.ReadExactlyAsync(new byte[24], _stop.Token);  // the client's preface
            await stream.WriteAsync(s_settings, _stop.Token);
            var header = new byte[9];
            while (true)
            {
                await stream.ReadExactlyAsync(header, _stop.Token);
                var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
                await stream.ReadExactlyAsync(payload, _stop.Token);
                if (header[3] != 0)
                {
                    continue;  // not DATA
                }
                var id = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue;
                var data = received[id] = [.. received.GetValueOrDefault(id) ?? [], .. payload];
                // Whole gRPC messages (a 5-byte prefix and the message) off the front of what the stream has sent.
                while (data.Length >= 5 && data.Length >= 5 + BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(1)))
                {
                    var length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(1));
                    var request = ModelInferRequest.Parser.ParseFrom(data.AsSpan(5, length));
                    Interlocked.Add(ref _rows, (int)request.Inputs[0].Shape[0]);
                    data = received[id] = data[(5 + length)..];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or EndOfStreamException or ObjectDisposedException)
        {
        }
    }
}
