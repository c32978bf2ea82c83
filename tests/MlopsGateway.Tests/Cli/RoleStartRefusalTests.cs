using System.Net;
using System.Net.Sockets;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary>
/// A role that cannot start says why in one line, naming the option to change, and exits 1: a port
/// another process holds, a Redis that is not there, a models folder that does not exist.
/// </summary>
public class RoleStartRefusalTests
{
    [Fact]
    public async Task Gateway_PortHeldByAnotherListener_OneLineNamingPortAndOption()
    {
        using var taken = Listen();
        var port = Port(taken);

        var (exit, _, error) = await CliRunner.RunAsync("gateway", "--bind", "127.0.0.1", "--port", $"{port}", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Equal($"mlops gateway: not started; fix these settings: Port (--port): {port} is in use by another process; give another port, or 0 for a free one.",
            OneLine(error));
    }

    [Fact]
    public async Task Worker_MetricsPortHeldByAnotherListener_NamesTheMetricsOption()
    {
        using var taken = Listen();
        var port = Port(taken);
        var models = Directory.CreateTempSubdirectory("mlops-cli-");
        try
        {
            var (exit, _, error) = await CliRunner.RunAsync("worker", "--insecure-no-worker-secret", "--models", models.FullName, "--bind", "127.0.0.1", "--port", "0", "--metrics-port", $"{port}");

            Assert.Equal(1, exit);
            Assert.StartsWith($"mlops worker: not started; fix these settings: Port (--metrics-port): {port} is in use", OneLine(error));
        }
        finally
        {
            models.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Up_WorkerPortHeldByAnotherListener_NamesTheWorkerPortOption()
    {
        using var taken = Listen();
        var port = Port(taken);
        var models = Directory.CreateTempSubdirectory("mlops-cli-");
        try
        {
            var (exit, _, error) = await CliRunner.RunAsync("up", "--models", models.FullName, "--bind", "127.0.0.1", "--worker-port", $"{port}",
                "--gateway-port", "0", "--gateway-metrics-port", "0", "--worker-metrics-port", "0");

            Assert.Equal(1, exit);
            Assert.StartsWith($"mlops up: not started; fix these settings: Port (--worker-port): {port} is in use", OneLine(error));
        }
        finally
        {
            models.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Gateway_RedisPortClosed_OneLineNamingRedisAndItsOptions()
    {
        var closed = ClosedPort();

        var (exit, _, error) = await CliRunner.RunAsync("gateway", "--redis", $"127.0.0.1:{closed}", "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Equal($"mlops gateway: not started; fix these settings: Redis (--redis or MLOPS_REDIS): could not reach Redis at '127.0.0.1:{closed}'; check the address and that Redis runs there.",
            OneLine(error));
    }

    [Fact]
    public async Task Worker_RedisFromTheEnvironmentClosed_RefusedTheSameWay()
    {
        var closed = ClosedPort();
        var environment = new Dictionary<string, string> { ["MLOPS_REDIS"] = $"127.0.0.1:{closed}" };

        var (exit, _, error) = await CliRunner.RunAsync(environment, "worker", "--insecure-no-worker-secret", "--models", Path.GetTempPath(), "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.StartsWith($"mlops worker: not started; fix these settings: Redis (--redis or MLOPS_REDIS): could not reach Redis at '127.0.0.1:{closed}'", OneLine(error));
    }

    [Fact]
    public async Task Worker_ModelsFolderMissing_OneLineNamingTheOption()
    {
        var missing = Path.Combine(Path.GetTempPath(), "mlops-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var (exit, _, error) = await CliRunner.RunAsync("worker", "--insecure-no-worker-secret", "--models", missing, "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Equal($"mlops worker: not started; fix these settings: ModelRepository (--models): the folder '{missing}' does not exist.", OneLine(error));
    }

    /// <summary>The only line of <paramref name="text"/>; fails when there are more (a stack trace, say).</summary>
    private static string OneLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, text);
        return lines[0];
    }

    private static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static int Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>A loopback port nothing listens on: taken from the system, then let go.</summary>
    private static int ClosedPort()
    {
        using var listener = Listen();
        var port = Port(listener);
        listener.Stop();
        return port;
    }
}
