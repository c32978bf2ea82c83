using System.Net;
using System.Net.Sockets;
using Garnet;
using Garnet.server;

namespace MlopsGateway.Registry;

/// <summary>
/// A Redis-compatible server (Microsoft Garnet) inside this process, on loopback only, so that the
/// demo and the tests need nothing installed. Production points every role at a real Redis instead.
/// </summary>
public sealed class EmbeddedRedisServer : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedRedisServer(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts a server on <paramref name="port"/>, or on a free loopback port when it is 0.</summary>
    public static EmbeddedRedisServer Start(int port = 0)
    {
        if (port == 0)
        {
            port = FreeLoopbackPort();
        }
        // Small memory settings: the project keeps a few hundred small records, not a cache's worth.
        var options = new GarnetServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
            LogMemorySize = "64m",
            PageSize = "1m",
            IndexMemorySize = "1m",
            QuietMode = true,
            // Shared quotas (RedisRateLimiting) run Lua scripts; Garnet ships with Lua off.
            EnableLua = true,
            LuaOptions = new LuaOptions(null),
        };
        var server = new GarnetServer(options);
        server.Start();
        return new EmbeddedRedisServer(server, port);
    }

    /// <summary>Stops the server and closes its port.</summary>
    public void Dispose() => _server.Dispose();

    private static int FreeLoopbackPort()
    {
        // Garnet takes a fixed port; ask the OS for a free one. The window between closing this
        // listener and Garnet binding the port is tiny and only matters on a crowded machine.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
