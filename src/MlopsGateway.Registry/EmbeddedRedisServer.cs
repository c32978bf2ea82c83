using System.Net;
using System.Net.Sockets;
using Garnet;
using Garnet.server;

namespace MlopsGateway.Registry;

/// <summary>
/// A Redis-compatible server (Microsoft Garnet) inside this process, on loopback only, so that the
/// demo and the tests need nothing installed. Production points every role at a real Redis instead.
/// </summary>
/// <remarks>
/// Garnet without a storage tier is a cache: once its log outgrows <c>LogMemorySize</c> it drops the
/// oldest records, and under load (prediction records, telemetry counts) those were the registry,
/// the keys and the change count, so the workers unloaded every version. Here the log spills to a
/// private directory on disk instead (deleted when the server stops or the process ends), and
/// compaction copies live records forward and deletes old segments so that the directory stays
/// a few segments large. Nothing is recovered from it on the next start: the store is as
/// short-lived as the process.
/// </remarks>
public sealed class EmbeddedRedisServer : IDisposable
{
    private readonly GarnetServer _server;
    private readonly DirectoryInfo _logDirectory;
    private int _disposed;

    private EmbeddedRedisServer(GarnetServer server, int port, DirectoryInfo logDirectory)
    {
        _server = server;
        Port = port;
        _logDirectory = logDirectory;
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
        var logDirectory = Directory.CreateTempSubdirectory("mlops-redis-");
        // Small memory settings: what outgrows them goes to the log directory, not away.
        var options = new GarnetServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
            LogMemorySize = "64m",
            PageSize = "1m",
            IndexMemorySize = "1m",
            QuietMode = true,
            EnableStorageTier = true,
            LogDir = logDirectory.FullName,
            // The managed device: the native one needs libaio, which a fresh machine may lack.
            DeviceType = Tsavorite.core.DeviceType.RandomAccess,
            SegmentSize = "32m",
            CompactionType = LogCompactionType.Scan,
            CompactionFrequencySecs = 10,
            CompactionMaxSegments = 4,
            CompactionForceDelete = true,
            // Shared quotas (RedisRateLimiting) run Lua scripts; Garnet ships with Lua off.
            EnableLua = true,
            LuaOptions = new LuaOptions(null),
        };
        var server = new GarnetServer(options);
        server.Start();
        var embedded = new EmbeddedRedisServer(server, port, logDirectory);
        // A server shared by a whole process (the tests') is never disposed: remove its log at exit.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => embedded.RemoveLog();
        return embedded;
    }

    /// <summary>The directory the server's log spills into; removed when the server stops.</summary>
    public string LogDirectory => _logDirectory.FullName;

    /// <summary>Stops the server, closes its port and removes its log directory.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _server.Dispose();
        }
        RemoveLog();
    }

    private void RemoveLog()
    {
        try
        {
            _logDirectory.Refresh();
            if (_logDirectory.Exists)
            {
                _logDirectory.Delete(recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: what is left is reclaimed with the machine's temporary directory.
        }
    }

    private static int FreeLoopbackPort()
    {
        // Garnet takes a fixed port; ask the OS for a free one. The window between closing this
        // listener and Garnet binding the port is tiny and only matters on a crowded machine.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
