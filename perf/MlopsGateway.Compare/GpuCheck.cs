using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Compare.Internal;
using MlopsGateway.LoadTest;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Compare;

/// <summary>
/// ResNet18 on one execution provider (CUDA on a GPU machine, <c>perf/gpu-check.sh</c>): in-process
/// at every callers × batch pair, then the worker with batching on and off under the load tool at
/// each caller count. Prints the worker ÷ in-process ratio, the batching gain, and which provider
/// each side really ran on.
/// </summary>
public sealed partial class GpuCheck(ComparisonOptions options)
{
    private const string Batched = "resnet18";
    private const string Unbatched = "resnet18-nobatch";

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Runs the check; 0 done on the provider asked for, 3 when that provider did not run.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTime.UtcNow;
        Directory.CreateDirectory(options.Results);
        var work = Path.GetFullPath(Path.Combine(options.Results, "work"));
        var repository = Path.Combine(work, "models");
        var cuda = options.Provider == "cuda";
        Log($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}; providers built in: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())} (built in, not proof that a GPU runs them)");
        var model = WriteModels(repository);

        var grid = new InProcessGrid(options.Callers, options.BatchSizes, options.MaxImagesInFlight, options.SweepWarmup, options.SweepDuration, Log);
        string inProcessProvider;
        try
        {
            using var bench = new InProcessBench(model, cuda ? options.CudnnConvAlgoSearch : null);
            inProcessProvider = bench.Provider;
            Log($"In-process session made on {bench.Provider}");
            for (var round = 1; round <= options.Rounds; round++)
            {
                await grid.RunRoundAsync(bench, cancellationToken);
            }
        }
        catch (OnnxRuntimeException ex) when (cuda)
        {
            Log($"CUDA NOT USED: ONNX Runtime could not make an in-process session on the CUDA provider: {ex.Message}");
            return 3;
        }

        Log("Starting the worker");
        using var worker = await ChildProcess.StartAppAsync(options.Mlops,
            ["worker", "--models", repository, "--port", "0", "--metrics-port", "0", "--bind", "127.0.0.1", "--insecure-no-worker-secret"],
            Path.Combine(options.Results, "worker.log"), ReadyLines.Worker(), TimeSpan.FromSeconds(120));
        var address = worker.Ready!.Groups[1].Value;
        var metrics = worker.Ready!.Groups[2].Value;
        var providers = worker.Lines.Select(l => LoadedLine().Match(l)).Where(m => m.Success).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        foreach (var name in new[] { Batched, Unbatched })
        {
            Log($"  worker serves {name} on {providers.GetValueOrDefault(name, "nothing: not loaded, see worker.log")}");
        }
        var expected = cuda ? "CUDAExecutionProvider" : "CPUExecutionProvider";
        if (providers.GetValueOrDefault(Batched) != expected || providers.GetValueOrDefault(Unbatched) != expected)
        {
            Log($"{(cuda ? "CUDA NOT USED" : "CPU NOT USED")}: the worker did not load both models on {expected}; see {Path.Combine(options.Results, "worker.log")}");
            return 3;
        }

        var runs = new List<(int Callers, PathResult On, PathResult Off)>();
        foreach (var callers in options.WorkerCallers)
        {
            var on = await WorkerRunAsync(Batched, callers, address, metrics, worker.Pid, cancellationToken);
            var off = await WorkerRunAsync(Unbatched, callers, address, metrics, worker.Pid, cancellationToken);
            runs.Add((callers, on, off));
        }

        var report = Render(grid, runs, inProcessProvider, providers[Batched], startedAt);
        Console.WriteLine();
        Console.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(options.Results, "gpu-check.md"), report, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(options.Results, "gpu-check.json"), JsonSerializer.Serialize(new
        {
            provider = new { in_process = inProcessProvider, worker = providers[Batched] },
            in_process = grid.Cells,
            worker = runs.Select(r => new { callers = r.Callers, batched = r.On.Throughput, batched_rows_per_run = r.On.BatchSize, unbatched = r.Off.Throughput, r.On.P50, r.On.P99 }),
        }, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        Log($"Wrote {Path.Combine(options.Results, "gpu-check.md")}; finished in {_clock.Elapsed.TotalMinutes:0.0} min");
        return runs.Any(r => r.On.Throughput == 0 || r.Off.Throughput == 0) ? 2 : 0;
    }

    /// <summary>ResNet18 with its batch dimension made dynamic, served twice: batching up to the options' size, and off.</summary>
    private string WriteModels(string repository)
    {
        var provider = options.Provider;
        var cudaConfig = $"\"cuda\": {{ \"cudnn_conv_algo_search\": \"{options.CudnnConvAlgoSearch}\" }}";
        var common = string.Create(CultureInfo.InvariantCulture, $"\"execution_provider\": \"{provider}\", {cudaConfig}, \"instances\": {options.WorkerInstances}");
        var file = Path.Combine(repository, Batched, "1", WorkerOptions.ModelFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, OnnxBatchDimension.MakeDynamic(File.ReadAllBytes(options.ResNet18)));
        File.WriteAllText(Path.Combine(repository, Batched, "config.json"),
            string.Create(CultureInfo.InvariantCulture, $"{{ {common}, \"max_batch_size\": {options.WorkerMaxBatchSize} }}"));
        var copy = Path.Combine(repository, Unbatched, "1", WorkerOptions.ModelFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(file, copy, overwrite: true);
        File.WriteAllText(Path.Combine(repository, Unbatched, "config.json"), $"{{ {common}, \"max_batch_size\": 0 }}");
        Log($"Models in {repository}: {Batched} (batching up to {options.WorkerMaxBatchSize}) and {Unbatched} (batching off), {{ {common} }}");
        return file;
    }

    private async Task<PathResult> WorkerRunAsync(string model, int callers, string address, string metrics, int pid, CancellationToken cancellationToken)
    {
        Log($"worker, {model}, {callers} callers, {DurationText.Format(options.ResNetWarmup)} warm-up + {DurationText.Format(options.ResNetDuration)}");
        var json = Path.Combine(options.Results, $"loadtest-{model}-c{callers}.json");
        var result = await LoadToolRun.RunAsync(options.Mlops, model, "worker", address, callers, options.ResNetWarmup, options.ResNetDuration, json,
            [("worker", pid, false)],
            // A long deadline: on the CPU fallback 64 callers wait seconds each, and a GPU never comes near it.
            ["--metrics", metrics, "--markdown", Path.ChangeExtension(json, ".md"), "--timeout", "60s"], cancellationToken);
        Log(result.Throughput > 0
            ? Invariant($"  {result.Throughput:N1} images/s, p50 {result.P50:N1} ms, p99 {result.P99:N1} ms, {result.BatchSize ?? 0:0.0} rows per run{(result.Errors > 0 ? $", {result.Errors} errors" : "")}")
            : $"  {result.Note}");
        return result;
    }

    private string Render(InProcessGrid grid, List<(int Callers, PathResult On, PathResult Off)> runs, string inProcessProvider, string workerProvider, DateTime startedAt)
    {
        var baseline = InProcessBaseline.Of(grid, null, 0);
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# GPU check {startedAt:yyyy-MM-dd HH:mm} UTC")).AppendLine();
        md.AppendLine($"Command: `{options.CommandLine}`").AppendLine();
        md.AppendLine(Invariant($"Machine: {RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} cores, Linux {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()}.")).AppendLine();
        md.AppendLine($"**Provider: in-process {inProcessProvider}, worker {workerProvider}.**").AppendLine();
        md.AppendLine("## In-process: callers × batch size (images/s)").AppendLine();
        md.AppendLine(Invariant($"{DurationText.Format(options.SweepWarmup)} warm-up + {DurationText.Format(options.SweepDuration)} a pair, {options.Rounds} round(s) (medians), pairs with more than {options.MaxImagesInFlight} images in flight left out; inputs in host memory, as the worker's are.")).AppendLine();
        md.AppendLine(grid.Render());
        md.AppendLine("## Worker under the load tool").AppendLine();
        md.AppendLine(Invariant($"One image a request (random FP32, raw), closed loop, {DurationText.Format(options.ResNetWarmup)} warm-up + {DurationText.Format(options.ResNetDuration)}; {options.WorkerInstances} instances; batching up to {options.WorkerMaxBatchSize} rows against batching off. The load tool runs on the same machine.")).AppendLine();
        md.AppendLine("| callers | batching | images/s | p50 ms | p99 ms | rows per run | worker CPU s per 1k | load tool CPU s per 1k | ÷ in-process best | batching gain |");
        md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (callers, on, off) in runs)
        {
            foreach (var (row, label) in new[] { (on, "on"), (off, "off") })
            {
                var perThousand = 1000.0 / Math.Max(1, row.Requests);
                var share = baseline is null || row.Throughput == 0 ? "-" : Invariant($"{row.Throughput / baseline.Images:0.00}");
                var gain = label == "on" && off.Throughput > 0 ? Invariant($"×{on.Throughput / off.Throughput:0.00}") : "";
                md.AppendLine(row.Throughput == 0
                    ? $"| {callers} | {label} | - | - | - | - | - | - | - | {row.Note} |"
                    : Invariant($"| {callers} | {label} | {row.Throughput:N1} | {row.P50:N1} | {row.P99:N1} | {row.BatchSize ?? 0:0.0} | {row.ServerCpu.Sum(c => c.Seconds) * perThousand:0.000} | {(row.ClientCpu ?? 0) * perThousand:0.000} | {share} | {gain} |"));
            }
        }
        if (baseline is not null)
        {
            var best = runs.Where(r => r.On.Throughput > 0).MaxBy(r => r.On.Throughput);
            md.AppendLine();
            md.AppendLine(Invariant($"In-process best: {baseline.Images:N1} images/s at {baseline.Where}; with one image a run at most {baseline.Unbatched:N1} (in-process batching gain ×{baseline.Gain:0.00})."));
            if (best.On is not null)
            {
                md.AppendLine(Invariant($"Worker with batching at its best ({best.Callers} callers): {best.On.Throughput:N1} images/s, **worker ÷ in-process {best.On.Throughput / baseline.Images:0.00}**, **batching gain ×{(best.Off.Throughput > 0 ? best.On.Throughput / best.Off.Throughput : 0):0.00}** (batching on ÷ off at the same callers)."));
            }
        }
        return md.ToString();
    }

    private void Log(string message) => Console.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {message}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Loaded model '([^']+)' version \S+ from \S+ on (\w+)")]
    private static partial Regex LoadedLine();
}
