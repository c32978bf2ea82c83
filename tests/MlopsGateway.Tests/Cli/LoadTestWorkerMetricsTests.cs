using System.Text.Json;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary><c>mlops loadtest --metrics</c> against a real worker's Prometheus page, the worker in its own process.</summary>
public sealed class LoadTestWorkerMetricsTests
{
    [Fact]
    public async Task Invoke_WithWorkerMetrics_WorkerCountsEqualLoadToolCountsPerLevel()
    {
        var repository = TestModels.NewRepository();
        var json = Path.Combine(repository, "report.json");
        await using var worker = await WorkerProcess.StartAsync(repository);
        var (exit, output, error) = await CliRunner.RunAsync("loadtest", "--target", worker.Address, "--model", "propensity", "--version", "1",
            "--concurrency", "1,8", "--warmup", "200ms", "--duration", "1m", "--max-requests", "120",
            "--metrics", worker.MetricsAddress, "--json", json);

        Assert.True(exit == 0, output + error);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        foreach (var level in report.RootElement.GetProperty("levels").EnumerateArray())
        {
            var server = level.GetProperty("server");
            // The scrapes bracket the measurement after the warm-up has drained: the worker's own count is the tool's.
            Assert.Equal(level.GetProperty("requests").GetInt64(), server.GetProperty("requests").GetInt64());
            Assert.True(server.GetProperty("compute").GetProperty("mean").GetDouble() > 0);
            Assert.True(server.GetProperty("queue").GetProperty("mean").GetDouble() >= 0);
            // Every successful request is timed by the worker, and no request can take the worker
            // longer than its caller waited: the worker's median (a bucket estimate, bounds at most
            // 1.67x apart) is at most the caller's.
            var answer = server.GetProperty("request");
            Assert.Equal(level.GetProperty("ok").GetInt64(), answer.GetProperty("count").GetInt64());
            Assert.InRange(answer.GetProperty("p50").GetDouble(), 1e-3, level.GetProperty("latency").GetProperty("p50").GetDouble() * 1.67);
            Assert.InRange(server.GetProperty("batch_size").GetDouble(), 1, 8);
        }
        Assert.Contains("worker side", output);
        Directory.Delete(repository, recursive: true);
    }
}
