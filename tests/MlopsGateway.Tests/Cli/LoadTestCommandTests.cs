using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using MlopsGateway.Monitoring;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;

namespace MlopsGateway.Tests.Cli;

/// <summary>
/// <c>mlops loadtest</c> end to end against real servers on loopback: a worker that counts the
/// ModelInfer calls it receives, and the shared gateway stack.
/// </summary>
public sealed class LoadTestCommandTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlops-loadtest-").FullName;
    private readonly LogCollector _logs = new();
    private WebApplication _worker = null!;
    private string _workerAddress = "";
    private long _inferCalls;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => ServerEndpoints.Configure(k, new IPEndPoint(IPAddress.Loopback, 0), null));
        _logs.Configure(builder.Logging);
        builder.Services.AddMlopsWorker(o => o.ModelRepository = stack.Repository);
        _worker = builder.Build();
        // The server's own count of what reached it, independent of the load tool.
        _worker.Use(async (context, next) =>
        {
            if (context.Request.Path.Value?.EndsWith("/ModelInfer", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref _inferCalls);
            }
            await next(context);
        });
        _worker.MapMlopsWorker();
        await _worker.StartAsync();
        _workerAddress = ServerEndpoints.GrpcAddress(_worker);
    }

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private static Task<(int ExitCode, string Output, string Error)> Run(params string[] args) => CliRunner.RunAsync(["loadtest", .. args]);

    [Fact]
    public async Task Invoke_AgainstWorker_CountsAgreeWithServerAndReportsWritten()
    {
        var json = Path.Combine(_folder, "report.json");
        var markdown = Path.Combine(_folder, "report.md");
        var charts = Path.Combine(_folder, "charts");
        var frame = Path.Combine(_folder, "request.grpc");

        var (exit, output, error) = await Run("--target", _workerAddress, "--model", "propensity", "--concurrency", "1,4",
            "--warmup", "200ms", "--duration", "1m", "--max-requests", "150", "--rows", "3",
            "--json", json, "--markdown", markdown, "--plot", charts, "--save-request", frame, "--slo", "errors=0");

        Assert.True(exit == 0, output + error);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var levels = report.RootElement.GetProperty("levels").EnumerateArray().ToList();
        Assert.Equal(["c=1", "c=4"], levels.Select(l => l.GetProperty("label").GetString()));
        Assert.All(levels, l => Assert.Equal(150, l.GetProperty("requests").GetInt64()));
        Assert.All(levels, l => Assert.Equal(3 * l.GetProperty("throughput").GetDouble(), l.GetProperty("rows_per_second").GetDouble(), 6));
        var sent = levels.Sum(l => l.GetProperty("requests").GetInt64() + l.GetProperty("warmup_requests").GetInt64());
        Assert.Equal(Interlocked.Read(ref _inferCalls), sent);

        var md = await File.ReadAllTextAsync(markdown);
        Assert.Contains("| c=1 | 150 |", md);
        Assert.Contains("SLO: met", md);
        Assert.Contains("features FP32 [3, 5] random (raw)", md);
        foreach (var png in new[] { "latency-percentiles.png", "latency-over-time.png" })
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(charts, png));
            Assert.True(bytes.Length > 1000);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
        var saved = await File.ReadAllBytesAsync(frame);
        Assert.Equal(saved.Length - 5, (int)BinaryPrimitives.ReadUInt32BigEndian(saved.AsSpan(1)));
        Assert.Equal("propensity", ModelInferRequest.Parser.ParseFrom(saved[5..]).ModelName);
        Assert.Contains("SLO met: errors=0 at c=4", output);
        Assert.Empty(_logs.Errors);
    }

    [Fact]
    public async Task Invoke_OpenLoop_SendsTheScheduledCount()
    {
        var json = Path.Combine(_folder, "open.json");
        var log = Path.Combine(_folder, "requests.tsv");
        var before = DateTimeOffset.UtcNow;
        var (exit, output, error) = await Run("--target", _workerAddress, "--model", "propensity", "--rate", "100", "--arrival", "poisson",
            "--warmup", "300ms", "--duration", "1s", "--json", json, "--typed", "--log-file", log);
        var after = DateTimeOffset.UtcNow;

        Assert.True(exit == 0, output + error);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var level = report.RootElement.GetProperty("levels")[0];
        Assert.Equal("open", report.RootElement.GetProperty("mode").GetString());
        Assert.Equal(Interlocked.Read(ref _inferCalls), level.GetProperty("requests").GetInt64() + level.GetProperty("warmup_requests").GetInt64());
        Assert.Equal(level.GetProperty("requests").GetInt64(), level.GetProperty("ok").GetInt64());

        // One line per request the worker saw: warm-up lines first in time, then the measured ones.
        var lines = (await File.ReadAllLinesAsync(log)).Select(l => l.Split('\t')).ToList();
        Assert.Equal(Interlocked.Read(ref _inferCalls), lines.Count);
        Assert.All(lines, l => Assert.Equal(5, l.Length));
        Assert.Equal(level.GetProperty("requests").GetInt64(), lines.Count(l => l[4] == "measured"));
        Assert.Equal(level.GetProperty("warmup_requests").GetInt64(), lines.Count(l => l[4] == "warmup"));
        Assert.All(lines, l => Assert.Equal(["0", "0"], new[] { l[1], l[3] }));
        var sentAt = lines.Select(l => DateTimeOffset.UnixEpoch.AddTicks(long.Parse(l[0], CultureInfo.InvariantCulture) * 10)).ToList();
        Assert.All(sentAt, t => Assert.InRange(t, before, after));
        Assert.True(sentAt.Where((_, i) => lines[i][4] == "warmup").Max() < sentAt.Where((_, i) => lines[i][4] == "measured").Min());
        Assert.All(lines, l => Assert.InRange(long.Parse(l[2], CultureInfo.InvariantCulture), 1, 10_000_000));
        Assert.Contains($"Wrote {log}", output);
    }

    [Fact]
    public async Task Invoke_SloMissed_ExitCodeOneNamingTheObjective()
    {
        var (exit, _, error) = await Run("--target", _workerAddress, "--model", "propensity", "--concurrency", "2",
            "--warmup", "0", "--duration", "1m", "--max-requests", "50", "--slo", "p99<1us,errors<0.1%");

        Assert.Equal(1, exit);
        Assert.Contains("SLO missed: p99<1us at c=2: measured", error);
        Assert.Contains("over the limit of 0.00 ms", error);
        Assert.DoesNotContain("errors<0.1%", error);
    }

    [Fact]
    public async Task Invoke_WrongKeyThroughGateway_UnauthenticatedCountedAndSloFails()
    {
        var (exit, output, error) = await Run("--target", stack.GatewayAddress, "--api-key", "mlk_wrong-key-for-tests", "--model", "propensity",
            "--concurrency", "2", "--warmup", "0", "--duration", "1m", "--max-requests", "20", "--slo", "errors<0.1%");

        // The metadata call is refused first, before any load.
        Assert.Equal(2, exit);
        Assert.Contains("Unauthenticated", error);

        var key = stack.AllModelsKey;
        var good = await Run("--target", stack.GatewayAddress, "--api-key", key, "--model", "propensity",
            "--concurrency", "2", "--warmup", "0", "--duration", "1m", "--max-requests", "20", "--slo", "errors<0.1%");
        Assert.True(good.ExitCode == 0, good.Output + good.Error);
        Assert.Contains("SLO met: errors<0.1% at c=2", good.Output);
    }

    [Fact]
    public async Task Invoke_UnknownVersion_ExitTwoWithTheServersMessage()
    {
        var metadataOk = await Run("--target", _workerAddress, "--model", "propensity", "--version", "9", "--concurrency", "1",
            "--warmup", "0", "--duration", "1m", "--max-requests", "5");
        Assert.Equal(2, metadataOk.ExitCode);
        Assert.Contains("NotFound: Model 'propensity' has no version '9'", metadataOk.Error);
    }

    [Fact]
    public async Task Invoke_BadOptions_EveryProblemListedByTheParserExitOne()
    {
        var (exit, _, error) = await Run("--model", "m", "--concurrency", "0,x", "--rate", "5", "--duration", "forever",
            "--slo", "p99<50", "--shape", "input");

        Assert.Equal(1, exit);
        Assert.Contains("not both", error);
        Assert.Contains("--concurrency '0,x' is not a comma-separated list", error);
        Assert.Contains("--duration 'forever' is not a duration", error);
        Assert.Contains("give the latency a unit", error);
        Assert.Contains("--shape 'input' is not name=d0,d1", error);
    }
}
