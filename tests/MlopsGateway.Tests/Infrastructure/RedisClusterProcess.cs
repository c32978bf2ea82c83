using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster of a test's own on loopback: <c>masters</c> redis-server processes (each with
/// <c>replicas</c> replicas) on free ports, in folders of their own, joined with
/// <c>redis-cli --cluster create</c>; stopped and deleted on dispose. Nodes can be killed
/// (SIGKILL) to make a replica take over. Needs Debian's redis-server and redis-cli (7 or later).
/// </summary>
/// <example>
/// <code>
/// await using var cluster = await RedisClusterProcess.StartAsync(masters: 3, replicas: 1);
/// var redis = await RedisConnector.ConnectAsync(cluster.Address);
/// var port = await cluster.MasterOfAsync("{mlops}:routes");
/// cluster.Kill(port);
/// await cluster.WaitForNewMasterAsync("{mlops}:routes", port);
/// </code>
/// </example>
public sealed class RedisClusterProcess : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mlops-tests", "cluster-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<int, Process> _nodes = [];
    private readonly HashSet<int> _buses = [];

    private RedisClusterProcess()
    {
        Directory.CreateDirectory(_folder);
    }

    /// <summary>Every node's port, masters and replicas alike.</summary>
    public IReadOnlyList<int> Ports => [.. _nodes.Keys];

    /// <summary>A connection string naming every node, e.g. <c>127.0.0.1:7000,127.0.0.1:7001,...</c>.</summary>
    public string Address => string.Join(",", _nodes.Keys.Select(p => $"127.0.0.1:{p}"));

    /// <summary>
    /// Starts <paramref name="masters"/> masters with <paramref name="replicas"/> replicas each, and waits
    /// until every node reports <c>cluster_state:ok</c>. A node whose master stays unreachable for
    /// <paramref name="nodeTimeout"/> (1 s when null) is failed over.
    /// </summary>
    public static async Task<RedisClusterProcess> StartAsync(int masters = 3, int replicas = 0, TimeSpan? nodeTimeout = null)
    {
        var cluster = new RedisClusterProcess();
        try
        {
            var timeout = (int)(nodeTimeout ?? TimeSpan.FromSeconds(1)).TotalMilliseconds;
            for (var i = 0; i < masters * (1 + replicas); i++)
            {
                cluster.StartNode(timeout);
            }
            foreach (var port in cluster._nodes.Keys)
            {
                await WaitListeningAsync(port, cluster._nodes[port]);
            }
            string[] create = ["--cluster", "create", .. cluster._nodes.Keys.Select(p => $"127.0.0.1:{p}"),
                "--cluster-replicas", replicas.ToString(CultureInfo.InvariantCulture), "--cluster-yes"];
            var (exit, output) = await CliAsync(cluster._nodes.Keys.First(), create);
            if (exit != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed ({exit}): {output}");
            }
            await cluster.WaitUntilOkAsync();
            await cluster.WaitForReplicasAsync(masters * replicas);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The port of the master serving the slot of <paramref name="key"/> (<c>CLUSTER KEYSLOT</c>), as a live node sees it.</summary>
    public async Task<int> MasterOfAsync(string key) =>
        await TryMasterOfAsync(key) ?? throw new InvalidOperationException($"No live master serves the slot of {key}: {(await CliAsync(LivePort(), "cluster", "nodes")).Output}");

    private async Task<int?> TryMasterOfAsync(string key)
    {
        var live = LivePort();
        var slot = int.Parse((await CliAsync(live, "cluster", "keyslot", key)).Output.Trim(), CultureInfo.InvariantCulture);
        var (_, nodes) = await CliAsync(live, "cluster", "nodes");
        foreach (var line in nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <state> <slot ranges...>
            var parts = line.Split(' ');
            if (!parts[2].Contains("master", StringComparison.Ordinal) || parts[2].Contains("fail", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var range in parts.Skip(8).Where(r => !r.StartsWith('[')))
            {
                var bounds = range.Split('-');
                var (first, last) = (int.Parse(bounds[0], CultureInfo.InvariantCulture), int.Parse(bounds[^1], CultureInfo.InvariantCulture));
                if (slot >= first && slot <= last)
                {
                    return int.Parse(parts[1].Split('@')[0].Split(':')[^1], CultureInfo.InvariantCulture);
                }
            }
        }
        return null;
    }

    /// <summary>Kills the node on <paramref name="port"/> with SIGKILL, as a crash would.</summary>
    public void Kill(int port)
    {
        var node = _nodes[port];
        node.Kill();
        node.WaitForExit();
    }

    /// <summary>Waits (20 s at most) until a master other than <paramref name="oldPort"/> serves <paramref name="key"/> and the cluster is ok again.</summary>
    public async Task<int> WaitForNewMasterAsync(string key, int oldPort)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await TryMasterOfAsync(key) is { } port && port != oldPort && await IsOkAsync(port))
            {
                return port;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No replica took over {key} from 127.0.0.1:{oldPort} within 20 s.");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Waits (20 s at most) until every live node reports <c>cluster_state:ok</c>.</summary>
    public async Task WaitUntilOkAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        foreach (var port in _nodes.Where(n => !n.Value.HasExited).Select(n => n.Key))
        {
            while (!await IsOkAsync(port))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"The cluster node on port {port} did not report cluster_state:ok within 20 s: {(await CliAsync(port, "cluster", "info")).Output}");
                }
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Waits (20 s at most) until <paramref name="count"/> nodes are replicas whose link to their master is up.</summary>
    private async Task WaitForReplicasAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var synced = 0;
            foreach (var port in _nodes.Keys)
            {
                var info = (await CliAsync(port, "info", "replication")).Output;
                synced += info.Contains("role:slave", StringComparison.Ordinal) && info.Contains("master_link_status:up", StringComparison.Ordinal) ? 1 : 0;
            }
            if (synced >= count)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {synced} of {count} cluster replicas synced with their masters within 20 s.");
            }
            await Task.Delay(100);
        }
    }

    private async Task<bool> IsOkAsync(int port) =>
        (await CliAsync(port, "cluster", "info")).Output.Contains("cluster_state:ok", StringComparison.Ordinal);

    private int LivePort() => _nodes.First(n => !n.Value.HasExited).Key;

    private void StartNode(int nodeTimeoutMs)
    {
        int port, bus;
        do
        {
            (port, bus) = (RedisProcess.FreePort(), RedisProcess.FreePort());
        }
        while (port == bus || _nodes.ContainsKey(port) || _buses.Contains(port) || _nodes.ContainsKey(bus) || !_buses.Add(bus));
        var folder = Path.Combine(_folder, port.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList =
            {
                "--port", port.ToString(CultureInfo.InvariantCulture), "--cluster-port", bus.ToString(CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", nodeTimeoutMs.ToString(CultureInfo.InvariantCulture),
                // Replicas sync at once (not after the default 5 s wait for more of them), and may take over however
                // long they were cut off: a test kills a master moments after the cluster formed.
                "--repl-diskless-sync-delay", "0", "--cluster-replica-validity-factor", "0",
                "--save", "", "--appendonly", "no", "--dir", folder, "--logfile", Path.Combine(folder, "redis.log"),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _nodes[port] = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed; install Debian's redis-server (.ci/run does).", ex);
        }
    }

    private static async Task WaitListeningAsync(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(20);
            }
            catch (SocketException ex)
            {
                throw new InvalidOperationException($"The cluster node on port {port} did not start (redis-server 7 or later is needed for --cluster-port).", ex);
            }
        }
    }

    private static async Task<(int Exit, string Output)> CliAsync(int port, params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        foreach (var part in command)
        {
            start.ArgumentList.Add(part);
        }
        using var cli = Process.Start(start)!;
        var output = cli.StandardOutput.ReadToEndAsync();
        var error = cli.StandardError.ReadToEndAsync();
        await cli.WaitForExitAsync();
        return (cli.ExitCode, await output + await error);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            // Only the processes this cluster started.
            if (!node.HasExited)
            {
                node.Kill();
                await node.WaitForExitAsync();
            }
            node.Dispose();
        }
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
