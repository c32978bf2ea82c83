using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MlopsGateway.Compare.Internal;
using MlopsGateway.LoadTest;
using MlopsGateway.Registry;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Compare;

/// <summary>
/// Measures the same load on every path in one run on one machine, and writes the ratio table:
/// ONNX Runtime in-process, a naive gRPC server, the worker, gateway → worker, nginx grpc_pass → worker.
/// Servers run as separate processes so that each one's CPU time can be read from /proc.
/// </summary>
public sealed partial class Comparison(ComparisonOptions options)
{
    private const string ApiKey = "mlk_compare_run_key_0123456789abcdef";
    private const string InProcess = "ONNX Runtime in-process";
    private const string Naive = "naive gRPC server";
    private const string WorkerPath = "worker";
    private const string WorkerNoBatchPath = "worker, batching off";
    private const string ResNetNoBatch = "resnet18-nobatch";

    // Two sessions of one thread each, with batching on and off alike. On two cores this beats one
    // session of two threads: a thread that the gRPC stack preempts stalls only its own run, not a
    // run whose every operator waits for both threads (measured: 47.8 against 39-45 images/s).
    private const string ResNetThreads = "\"instances\": 2, \"intra_op_threads\": 1";
    private const string GatewayPath = "gateway → worker";
    private const string NginxPath = "nginx grpc_pass → worker";

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _notes = [];
    private string _work = "";

    /// <summary>Runs everything; returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTime.UtcNow;
        var loadAtStart = File.ReadAllText("/proc/loadavg").Trim();
        _work = Path.GetFullPath(Path.Combine(options.Results, "work"));
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
        Directory.CreateDirectory(_work);
        var repository = Path.Combine(_work, "models");
        Log($"Preparing models in {repository}: resnet18 (batch dimension made dynamic with OnnxBatchDimension) and propensity");
        var resnetPath = Path.Combine(repository, "resnet18", "1", WorkerOptions.ModelFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(resnetPath)!);
        await File.WriteAllBytesAsync(resnetPath, OnnxBatchDimension.MakeDynamic(await File.ReadAllBytesAsync(options.ResNet18, cancellationToken)), cancellationToken);
        // The same file again as a model with batching off (max_batch_size 0), for the batching gain.
        var noBatchPath = Path.Combine(repository, ResNetNoBatch, "1", WorkerOptions.ModelFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(noBatchPath)!);
        File.Copy(resnetPath, noBatchPath, overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(repository, ResNetNoBatch, "config.json"),
            $$"""{ "max_batch_size": 0, {{ResNetThreads}} }""", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(repository, "resnet18", "config.json"), $$"""{ {{ResNetThreads}} }""", cancellationToken);
        SampleModels.WritePropensity(repository);
        (string Name, string Path, int Concurrency)[] models =
        [
            (SampleModels.Propensity, Path.Combine(repository, SampleModels.Propensity, "2", WorkerOptions.ModelFileName), options.PropensityConcurrency),
            ("resnet18", resnetPath, options.ResNetConcurrency),
        ];

        Log("Starting the worker, the gateway (embedded Redis), the naive server and nginx");
        using var worker = await StartServerAsync("worker",
            ["worker", "--models", repository, "--port", "0", "--metrics-port", "0", "--bind", "127.0.0.1", "--insecure-no-worker-secret"],
            ReadyLines.Worker());
        var workerAddress = worker.Ready!.Groups[1].Value;
        var workerMetrics = worker.Ready!.Groups[2].Value;
        using var gateway = await StartServerAsync("gateway",
            ["gateway", "--worker", workerAddress, "--port", "0", "--metrics-port", "0", "--bind", "127.0.0.1"],
            GatewayReady());
        await CreateKeyAsync(gateway);
        using var naive = await StartServerAsync("naive",
            [options.NaiveServer, "--models", repository, "--port", "0"], NaiveReady(), dll: true);
        NginxProxy? nginx = null;
        if (File.Exists(options.Nginx))
        {
            try
            {
                nginx = await NginxProxy.StartAsync(options.Nginx, Path.Combine(_work, "nginx"), new Uri(workerAddress));
            }
            catch (InvalidOperationException ex)
            {
                _notes.Add($"nginx path skipped: {ex.Message}");
            }
        }
        else
        {
            _notes.Add($"nginx path skipped: {options.Nginx} not found (apt-get install nginx).");
        }

        var benches = models.Select(m => new InProcessBench(m.Path)).ToArray();
        long nginxSent = 0;
        try
        {
            // Rounds interleave the paths, so a burst of other work on the machine lands on one
            // round of each path rather than on the whole of one path; the table takes medians.
            var runs = new List<PathResult>();
            var grid = new InProcessGrid(options.Callers, options.BatchSizes, options.MaxImagesInFlight, options.SweepWarmup, options.SweepDuration, Log);
            for (var round = 1; round <= options.Rounds; round++)
            {
                Log($"Round {round} of {options.Rounds}");
                for (var m = 0; m < models.Length; m++)
                {
                    var model = models[m];
                    runs.Add(await InProcessAsync(benches[m], model.Name, model.Concurrency, cancellationToken));
                    runs.Add(await NetworkAsync(model.Name, Naive, naive.Ready!.Groups[1].Value, null, model.Concurrency, [("naive", naive.Pid, false)], null, cancellationToken));
                    var save = round == 1 ? Path.Combine(_work, $"{model.Name}.grpc") : null;
                    runs.Add(await NetworkAsync(model.Name, WorkerPath, workerAddress, null, model.Concurrency, [("worker", worker.Pid, false)], workerMetrics, cancellationToken, save));
                    if (model.Name == "resnet18")
                    {
                        runs.Add(await NetworkAsync(model.Name, WorkerNoBatchPath, workerAddress, null, model.Concurrency, [("worker", worker.Pid, false)],
                            workerMetrics, cancellationToken, serveAs: ResNetNoBatch));
                        await grid.RunRoundAsync(benches[m], cancellationToken);
                    }
                    runs.Add(await NetworkAsync(model.Name, GatewayPath, gateway.Ready!.Groups[1].Value, ApiKey, model.Concurrency,
                        [("gateway", gateway.Pid, false), ("worker", worker.Pid, false)], workerMetrics, cancellationToken));
                    if (nginx is not null)
                    {
                        var run = await NetworkAsync(model.Name, NginxPath, nginx.Address, null, model.Concurrency,
                            [("nginx", nginx.Pid, true), ("worker", worker.Pid, false)], workerMetrics, cancellationToken);
                        runs.Add(run);
                        // The load tool also asks for the model's metadata once per run.
                        nginxSent += run.Requests + 1;
                    }
                }
            }
            var rows = runs.GroupBy(r => (r.Model, r.Path)).Select(g => PathResult.Median(g.ToList())).ToList();
            var crossCheck = await CrossCheckAsync(workerAddress, cancellationToken);
            var sameLoad = new SameLoadCheck(options.Mlops, options.H2load, _work, Log);
            var sameLoadRows = new List<string>();
            foreach (var (model, rate) in new[] { (SampleModels.Propensity, options.SameLoadPropensityRate), ("resnet18", options.SameLoadResNetRate) })
            {
                sameLoadRows.Add(await sameLoad.RunAsync(model, Path.Combine(_work, $"{model}.grpc"), rate, options.Warmup, options.SameLoadDuration,
                    workerAddress, workerMetrics));
            }
            crossCheck += Environment.NewLine + SameLoadSection(sameLoadRows);
            var nginxCount = nginx is null ? "" : NginxCount(nginx, nginxSent);
            var report = Render(rows, grid, crossCheck, nginxCount, startedAt, loadAtStart);
            Console.WriteLine();
            Console.WriteLine(report);
            Directory.CreateDirectory(options.Results);
            var stamp = startedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
            var markdown = Path.Combine(options.Results, $"compare-{stamp}.md");
            await File.WriteAllTextAsync(markdown, report, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(options.Results, "latest.md"), report, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(options.Results, $"compare-{stamp}.json"), JsonSerializer.Serialize(
                rows.Select(r => new { r.Model, r.Path, r.Throughput, r.P50, r.P99, r.Requests, r.Errors, ServerCpu = r.ServerCpu.ToDictionary(c => c.Process, c => c.Seconds), r.ClientCpu, r.Note }),
                new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            Log($"Wrote {markdown} and {Path.Combine(options.Results, "latest.md")}; finished in {_clock.Elapsed.TotalMinutes:0.0} min");
            return rows.Any(r => r.Note is not null && r.Throughput == 0) ? 1 : 0;
        }
        finally
        {
            nginx?.Dispose();
            foreach (var bench in benches)
            {
                bench.Dispose();
            }
        }
    }

    private async Task<PathResult> InProcessAsync(InProcessBench bench, string model, int concurrency, CancellationToken cancellationToken)
    {
        var (warmup, duration) = Timing(model);
        Log($"{model}: {InProcess}, {concurrency} callers, {DurationText.Format(warmup)} warm-up + {DurationText.Format(duration)}");
        var cpu = ProcCpu.Seconds(Environment.ProcessId);
        var level = await bench.RunAsync(1, concurrency, warmup, duration, seed: 1, cancellationToken);
        cpu = ProcCpu.Seconds(Environment.ProcessId) - cpu;
        LogResult(level.Throughput, level.Latency.P50, level.Latency.P99, level.Errors);
        return new PathResult(model, InProcess, level.Throughput, level.Latency.P50, level.Latency.P99, level.Requests + level.WarmupRequests,
            level.Errors, [("this process", cpu)], null);
    }

    private async Task<PathResult> NetworkAsync(
        string model, string path, string target, string? apiKey, int concurrency, (string Name, int Pid, bool Children)[] processes,
        string? metrics, CancellationToken cancellationToken, string? saveRequest = null, string? serveAs = null)
    {
        var (warmup, duration) = Timing(model);
        Log($"{model}: {path} at {target}, {concurrency} callers, {DurationText.Format(warmup)} warm-up + {DurationText.Format(duration)}");
        var json = Path.Combine(_work, $"{model}-{Slug(path)}.json");
        List<string> extra = [];
        if (apiKey is not null)
        {
            extra.AddRange(["--api-key", apiKey]);
        }
        if (metrics is not null)
        {
            extra.AddRange(["--metrics", metrics]);
        }
        if (saveRequest is not null)
        {
            extra.AddRange(["--save-request", saveRequest]);
        }
        var result = await LoadToolRun.RunAsync(options.Mlops, serveAs ?? model, path, target, concurrency, warmup, duration, json, processes, extra, cancellationToken) with { Model = model };
        if (result.Throughput == 0 && result.Note is not null)
        {
            Log("  " + result.Note);
            return result;
        }
        LogResult(result.Throughput, result.P50, result.P99, result.Errors);
        return result;
    }

    private async Task<string> CrossCheckAsync(string workerAddress, CancellationToken cancellationToken)
    {
        var frame = Path.Combine(_work, "propensity.grpc");
        if (!File.Exists(options.H2load) || !File.Exists(frame))
        {
            return $"Cross-check skipped: {(File.Exists(options.H2load) ? "no saved request" : $"{options.H2load} not found (apt-get install nghttp2-client)")}.";
        }
        var n = options.CrossCheckRequests.ToString(CultureInfo.InvariantCulture);
        var concurrency = options.PropensityConcurrency.ToString(CultureInfo.InvariantCulture);
        Log($"Cross-check: {n} propensity requests to the worker with mlops loadtest (after its warm-up) and with h2load, {concurrency} concurrent streams on one connection each");
        var json = Path.Combine(_work, "crosscheck-loadtest.json");
        var loadtest = await ChildProcess.StartAppAsync(options.Mlops,
            ["loadtest", "--target", workerAddress, "--model", SampleModels.Propensity, "--concurrency", concurrency,
             "--warmup", DurationText.Format(options.Warmup), "--duration", "2m", "--max-requests", n, "--json", json], Path.ChangeExtension(json, ".log"), null, TimeSpan.Zero);
        using (loadtest)
        {
            await loadtest.WaitAsync(TimeSpan.FromMinutes(3));
        }
        var h2load = await ChildProcess.StartAsync(options.H2load,
            ["-n", n, "-c", "1", "-m", concurrency, "-d", frame, "-H", "content-type: application/grpc", "-H", "te: trailers",
             $"{workerAddress}/inference.GRPCInferenceService/ModelInfer"], Path.Combine(_work, "crosscheck-h2load.log"), null, TimeSpan.Zero);
        using (h2load)
        {
            await h2load.WaitAsync(TimeSpan.FromMinutes(3));
        }
        var h2 = string.Join('\n', h2load.Lines);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json, cancellationToken));
        var level = document.RootElement.GetProperty("levels")[0];
        var mlopsMean = level.GetProperty("latency").GetProperty("mean").GetDouble();
        var h2Rate = H2RateLine().Match(h2);
        var h2Requests = H2RequestsLine().Match(h2);
        var h2Time = H2TimeLine().Match(h2);
        var md = new StringBuilder();
        md.AppendLine("| tool | requests sent | succeeded | req/s | mean ms | max ms |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        md.AppendLine(Invariant($"| mlops loadtest | {level.GetProperty("requests").GetInt64():N0} | {level.GetProperty("ok").GetInt64():N0} | {level.GetProperty("throughput").GetDouble():N1} | {mlopsMean:N3} | {level.GetProperty("latency").GetProperty("max").GetDouble():N3} |"));
        md.AppendLine(h2Rate.Success && h2Requests.Success && h2Time.Success
            ? Invariant($"| h2load | {long.Parse(h2Requests.Groups[1].Value, CultureInfo.InvariantCulture):N0} | {long.Parse(h2Requests.Groups[2].Value, CultureInfo.InvariantCulture):N0} (HTTP 2xx) | {double.Parse(h2Rate.Groups[1].Value, CultureInfo.InvariantCulture):N1} | {Milliseconds(h2Time.Groups[3].Value):N3} | {Milliseconds(h2Time.Groups[2].Value):N3} |")
            : $"| h2load | could not read its output; see {Path.Combine(_work, "crosscheck-h2load.log")} | | | | |");
        return md.ToString();
    }

    /// <summary>Warm-up and measurement for a model's runs: longer for ResNet18, whose runs are few and slow.</summary>
    private (TimeSpan Warmup, TimeSpan Duration) Timing(string model) =>
        model == "resnet18" ? (options.ResNetWarmup, options.ResNetDuration) : (options.Warmup, options.Duration);

    /// <summary>The worker engine's ResNet18 targets, computed from this run's medians.</summary>
    private string Targets(List<PathResult> rows, InProcessGrid grid)
    {
        var md = new StringBuilder();
        if (InProcessBaseline.Of(grid, rows.FirstOrDefault(r => r.Model == "resnet18" && r.Path == InProcess), options.ResNetConcurrency) is not { } baseline)
        {
            return "No in-process ResNet18 figure: no target computed.";
        }
        var on = rows.FirstOrDefault(r => r.Model == "resnet18" && r.Path == WorkerPath)?.Throughput ?? 0;
        var off = rows.FirstOrDefault(r => r.Model == "resnet18" && r.Path == WorkerNoBatchPath)?.Throughput ?? 0;
        md.AppendLine(Invariant($"In-process baseline: {baseline.Images:N1} images/s at {baseline.Where}; with one image a run at most {baseline.Unbatched:N1} (batching gain in-process ×{baseline.Gain:0.00})."));
        md.AppendLine().AppendLine("| target | measured | needed | met |");
        md.AppendLine("| --- | ---: | ---: | --- |");
        if (on > 0)
        {
            var share = on / baseline.Images;
            md.AppendLine(Invariant($"| worker with batching ÷ in-process at its best ({baseline.Where}) | {share:0.000} ({on:N1} ÷ {baseline.Images:N1}) | ≥ 0.90 | {(share >= 0.9 ? "yes" : "no")} |"));
        }
        if (on > 0 && off > 0)
        {
            var gain = on / off;
            var needed = baseline.Gain * 0.9;
            md.AppendLine(Invariant($"| worker batching on ÷ off | {gain:0.000}× ({on:N1} ÷ {off:N1}) | ≥ {needed:0.000}× (in-process gain less 10%) | {(gain >= needed ? "yes" : "no")} |"));
        }
        return md.ToString();
    }

    private static string SameLoadSection(IEnumerable<string> rows)
    {
        var md = new StringBuilder();
        md.AppendLine("### Same load, same time: percentiles").AppendLine();
        md.AppendLine("The load tool (open loop, latency from each request's intended send time) and h2load (`--rps`, one connection, its per-request `--log-file`) send the same saved request to the worker at the same fixed rate at the same time, well below saturation, so both measure the same server. The worker's own row is its answer-time histogram over the load tool's measurement (both tools' requests; percentiles interpolated inside buckets at most 1.67× wide): time on the server only, so a lower bound for both.").AppendLine();
        md.AppendLine("| model | load | measured by | requests | p50 ms | p90 ms | p99 ms | max ms |");
        md.AppendLine("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in rows)
        {
            md.AppendLine(row);
        }
        return md.ToString();
    }

    private static string WorkerCount(IEnumerable<PathResult> rows)
    {
        var counted = rows.Where(r => r.MeasuredCounts is not null).ToList();
        if (counted.Count == 0)
        {
            return "The worker exported no request counter, so its own count could not be compared.";
        }
        var tool = counted.Sum(r => r.MeasuredCounts!.Value.Tool);
        var worker = counted.Sum(r => r.MeasuredCounts!.Value.Worker);
        return Invariant($"The worker's own counter (mlops_worker_requests_total, scraped before and after each measurement) moved by {worker:N0} over the measured runs of the worker, gateway and nginx paths; the load tool measured {tool:N0}{(tool == worker ? ": they agree." : ".")}");
    }

    private static string NginxCount(NginxProxy nginx, long sent)
    {
        var logged = nginx.LoggedRequests();
        return Invariant($"nginx's access log counted {logged:N0} requests; the load tool reports {sent:N0} (warm-up and measured requests, plus one ModelMetadata call per run){(logged == sent ? ": they agree." : ".")}");
    }

    private string Render(List<PathResult> rows, InProcessGrid grid, string crossCheck, string nginxCount,
        DateTime startedAt, string loadAtStart)
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# Comparison run {startedAt:yyyy-MM-dd HH:mm} UTC")).AppendLine();
        md.AppendLine($"Command: `{options.CommandLine}`").AppendLine();
        md.AppendLine($"Machine: {Machine()}; load average {loadAtStart} at the start, {File.ReadAllText("/proc/loadavg").Trim()} at the end (other work on the machine shows here).").AppendLine();
        md.AppendLine(Invariant($"Load: closed loop, {DurationText.Format(options.Warmup)} warm-up then {DurationText.Format(options.Duration)} measured per run ({DurationText.Format(options.ResNetWarmup)} and {DurationText.Format(options.ResNetDuration)} for resnet18, whose runs are few: the load tool's own start-up must not fall into them); propensity {options.PropensityConcurrency} callers, resnet18 {options.ResNetConcurrency} callers, one row per request (random FP32, raw, seed 1). {options.Rounds} rounds, each running every path in turn; req/s, p50 and p99 are the medians of the rounds, the range is the slowest and fastest round. Every path runs on this one machine with the load tool: they share its cores.")).AppendLine();
        md.AppendLine("| model | path | req/s | range | × in-process | × worker | p50 ms | p99 ms | rows per run | server CPU s per 1k req | load tool CPU s per 1k req |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        var resnetBaseline = InProcessBaseline.Of(grid, rows.FirstOrDefault(r => r.Model == "resnet18" && r.Path == InProcess), options.ResNetConcurrency);
        foreach (var row in rows)
        {
            var inProcess = row.Model == "resnet18" && resnetBaseline is not null
                ? resnetBaseline.Images
                : rows.FirstOrDefault(r => r.Model == row.Model && r.Path == InProcess)?.Throughput ?? 0;
            var worker = rows.FirstOrDefault(r => r.Model == row.Model && r.Path == WorkerPath)?.Throughput ?? 0;
            if (row.Throughput == 0)
            {
                md.AppendLine($"| {row.Model} | {row.Path} | - | - | - | - | - | - | - | {row.Note} | - |");
                continue;
            }
            var perThousand = 1000.0 / Math.Max(1, row.Requests);
            var server = string.Join(" + ", row.ServerCpu.Select(c => Invariant($"{c.Process} {c.Seconds * perThousand:0.000}")));
            if (row.ServerCpu.Count > 1)
            {
                server += Invariant($" = {row.ServerCpu.Sum(c => c.Seconds) * perThousand:0.000}");
            }
            md.AppendLine(Invariant($"| {row.Model} | {row.Path} | {row.Throughput:N1} | {row.SlowestThroughput:N0}–{row.FastestThroughput:N0} | {Ratio(row.Throughput, inProcess)} | {Ratio(row.Throughput, worker)} | {row.P50:N3} | {row.P99:N3} | {(row.BatchSize is { } b ? b.ToString("0.0", CultureInfo.InvariantCulture) : "-")} | {server} | {(row.ClientCpu is { } c ? (c * perThousand).ToString("0.000", CultureInfo.InvariantCulture) : "-")} |"));
        }
        if (resnetBaseline is not null)
        {
            md.AppendLine().AppendLine(Invariant($"× in-process for resnet18 divides by the best in-process figure of the run, {resnetBaseline.Images:N1} images/s at {resnetBaseline.Where} (the grid below), not by the in-process row's own callers."));
        }
        md.AppendLine().AppendLine("Rows per run: the worker's own average batch (mlops_worker_batch_size over the measurement), where the worker serves the path. CPU seconds per 1,000 requests come from /proc/PID/stat (user + system) read before and after each run and summed over the rounds; they cover warm-up and measured requests. The load tool's figure includes its own start-up.");
        foreach (var row in rows.Where(r => r.Note is not null && r.Throughput > 0))
        {
            md.AppendLine().AppendLine($"- {row.Model}, {row.Path}: {row.Note}");
        }

        md.AppendLine().AppendLine("## ResNet18 in-process: callers × batch size").AppendLine();
        md.AppendLine(Invariant($"Images a second, the median of the {options.Rounds} rounds (each pair once a round, right after that round's ResNet18 paths): {DurationText.Format(options.SweepWarmup)} warm-up + {DurationText.Format(options.SweepDuration)} per pair, pairs with more than {options.MaxImagesInFlight} images in flight left out. The in-process baseline of the ratios below is the best of this grid and of the in-process path above; one caller's best batch alone undersold it."));
        md.AppendLine().AppendLine(grid.Render());
        md.AppendLine(Targets(rows, grid));

        md.AppendLine().AppendLine("## Cross-checks").AppendLine();
        md.AppendLine(crossCheck);
        if (nginxCount.Length > 0)
        {
            md.AppendLine(nginxCount).AppendLine();
        }
        md.AppendLine(WorkerCount(rows)).AppendLine();
        foreach (var note in _notes)
        {
            md.AppendLine($"- {note}");
        }
        return md.ToString();
    }

    private async Task<ChildProcess> StartServerAsync(string name, string[] arguments, Regex ready, bool dll = false)
    {
        var process = dll
            ? await ChildProcess.StartAsync("dotnet", arguments, Path.Combine(_work, $"{name}.log"), ready, TimeSpan.FromSeconds(90))
            : await ChildProcess.StartAppAsync(options.Mlops, arguments, Path.Combine(_work, $"{name}.log"), ready, TimeSpan.FromSeconds(90));
        Log($"  {name} ready: {process.Ready!.Value}");
        return process;
    }

    private async Task CreateKeyAsync(ChildProcess gateway)
    {
        var redis = gateway.Lines.Select(l => EmbeddedRedisLine().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value
            ?? throw new InvalidOperationException("The gateway did not print its embedded Redis address.");
        await using var connection = await RedisConnector.ConnectAsync(redis);
        await new ApiKeyStore(connection).CreateAsync("compare", [], ApiKey);
        // The gateway learns of the key through pub/sub; give it a moment before the first request.
        await Task.Delay(500);
    }

    private void Log(string message) => Console.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {message}");

    private void LogResult(double throughput, double p50, double p99, long errors) =>
        Log(Invariant($"  {throughput:N1} req/s, p50 {p50:N3} ms, p99 {p99:N3} ms{(errors > 0 ? $", {errors} errors" : "")}"));

    private static string Ratio(double value, double baseline) => baseline <= 0 ? "-" : Invariant($"{value / baseline:0.00}×");

    private static string Slug(string path) => new(path.Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());

    private static double Milliseconds(string h2loadValue)
    {
        var match = Regex.Match(h2loadValue, @"^([0-9.]+)(us|ms|s)$");
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }

    private static string Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return Invariant($"{cpu}, {Environment.ProcessorCount} cores, {long.Parse(memory, CultureInfo.InvariantCulture) / 1024.0 / 1024:0} GiB, Linux {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {RuntimeInformation.FrameworkDescription}, no GPU used (ONNX Runtime CPU provider)");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Gateway listening on (\S+) ")]
    private static partial Regex GatewayReady();

    [GeneratedRegex(@"Naive server listening on (\S+)")]
    private static partial Regex NaiveReady();

    [GeneratedRegex(@"embedded Redis at (\S+?)\.? ")]
    private static partial Regex EmbeddedRedisLine();

    [GeneratedRegex(@"finished in [0-9.]+\w*, ([0-9.]+) req/s")]
    private static partial Regex H2RateLine();

    [GeneratedRegex(@"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded")]
    private static partial Regex H2RequestsLine();

    [GeneratedRegex(@"time for request:\s+(\S+)\s+(\S+)\s+(\S+)")]
    private static partial Regex H2TimeLine();
}
