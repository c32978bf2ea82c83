using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary>
/// <c>mlops loadtest --hdr-log</c> and <c>mlops loadtest merge</c> end to end: two agents' runs against
/// a real worker at the same time, merged into one report.
/// </summary>
public sealed class LoadTestMergeCommandTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlops-merge-").FullName;
    private readonly string _repository = TestModels.NewRepository();
    private WebApplication _worker = null!;
    private string _workerAddress = "";

    public async Task InitializeAsync() => (_worker, _workerAddress) = await OpenWorker.StartAsync(_repository);

    public async Task DisposeAsync()
    {
        await _worker.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
        Directory.Delete(_repository, recursive: true);
    }

    private Task<(int ExitCode, string Output, string Error)> Agent(string name, string concurrency, long requests, params string[] more) =>
        CliRunner.RunAsync(["loadtest", "--target", _workerAddress, "--model", "propensity", "--concurrency", concurrency, "--warmup", "200ms",
            "--duration", "1m", "--max-requests", requests.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--hdr-log", Path.Combine(_folder, name + ".hlog"), "--json", Path.Combine(_folder, name + ".json"), .. more]);

    private static JsonElement[] Levels(string json) =>
        JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("levels").EnumerateArray().ToArray();

    [Fact]
    public async Task Merge_TwoAgentsAtOnce_ReportAddsTheirRequestsAndChecksTheSlo()
    {
        var runs = await Task.WhenAll(Agent("a", "1,2", 60), Agent("b", "1,2", 90, "--client", "grpc"));
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Output + r.Error));
        Assert.Contains($"Wrote {Path.Combine(_folder, "a.hlog")}", runs[0].Output);

        var merged = Path.Combine(_folder, "merged.json");
        var charts = Path.Combine(_folder, "charts");
        var (exit, output, error) = await CliRunner.RunAsync("loadtest", "merge", _folder, "--json", merged, "--plot", charts, "--slo", "errors=0");

        Assert.True(exit == 0, output + error);
        Assert.Contains("merged 2 logs: a.hlog, b.hlog", output);
        Assert.Contains("SLO met: errors=0 at c=2", output);
        var (a, b, all) = (Levels(Path.Combine(_folder, "a.json")), Levels(Path.Combine(_folder, "b.json")), Levels(merged));
        Assert.Equal(["c=1", "c=2"], all.Select(l => l.GetProperty("label").GetString()));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(150, all[i].GetProperty("requests").GetInt64());
            Assert.Equal(a[i].GetProperty("ok").GetInt64() + b[i].GetProperty("ok").GetInt64(), all[i].GetProperty("ok").GetInt64());
            Assert.Equal(a[i].GetProperty("warmup_requests").GetInt64() + b[i].GetProperty("warmup_requests").GetInt64(),
                all[i].GetProperty("warmup_requests").GetInt64());
            // The combined maximum is the larger of the two agents' (HdrHistogram's 3 digits, both sides).
            var max = Math.Max(a[i].GetProperty("latency").GetProperty("max").GetDouble(), b[i].GetProperty("latency").GetProperty("max").GetDouble());
            Assert.Equal(max, all[i].GetProperty("latency").GetProperty("max").GetDouble(), 6);
        }
        Assert.True(File.Exists(Path.Combine(charts, "latency-over-time.png")));
    }

    [Fact]
    public async Task Merge_DifferentPlans_RefusedWithExitCodeTwoNamingWhatDiffers()
    {
        var runs = await Task.WhenAll(Agent("a", "1", 10), Agent("b", "2", 10));
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Output + r.Error));

        var (exit, _, error) = await CliRunner.RunAsync("loadtest", "merge", Path.Combine(_folder, "a.hlog"), Path.Combine(_folder, "b.hlog"));

        Assert.Equal(2, exit);
        Assert.Contains($"{Path.Combine(_folder, "b.hlog")} has levels 'c=2' where {Path.Combine(_folder, "a.hlog")} has 'c=1'", error);
    }

    [Fact]
    public async Task Merge_UnreadableOrMissingFile_RefusedWithExitCodeTwo()
    {
        var notes = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(notes, "not a histogram log\n");

        var garbage = await CliRunner.RunAsync("loadtest", "merge", notes);
        var missing = await CliRunner.RunAsync("loadtest", "merge", Path.Combine(_folder, "nowhere.hlog"));
        var empty = await CliRunner.RunAsync("loadtest", "merge", _folder);

        Assert.Equal(2, garbage.ExitCode);
        Assert.Contains($"Cannot merge: {notes} is not an HdrHistogram log", garbage.Error);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nowhere.hlog: no such file or folder", missing.Error);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("holds no *.hlog file", empty.Error);
    }

    [Fact]
    public async Task MergeHelp_ExplainsWhatIsAddedAndWhatIsRefused()
    {
        var (exit, output, _) = await CliRunner.RunAsync("loadtest", "merge", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--hdr-log files of load agents that ran the same plan at the same time", output);
        Assert.Contains("aligns the agents by absolute time", output);
        Assert.Contains("Refused: logs of different plans", output);
        Assert.Contains("--slo", output);
    }
}
