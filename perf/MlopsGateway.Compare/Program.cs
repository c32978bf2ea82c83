using System.Globalization;
using System.Reflection;
using MlopsGateway.Compare;
using MlopsGateway.LoadTest;

// Usage (perf/compare.sh passes the first three): MlopsGateway.Compare --mlops DLL --naive DLL
//   [--resnet18 FILE] [--results DIR] [--duration 4s] [--warmup 1s] [--rounds 3] [--propensity-concurrency 64] [--resnet-concurrency 16]
//   [--resnet-warmup 3s] [--resnet-duration 10s] [--same-load-duration 20s] [--same-load-propensity-rate 200] [--same-load-resnet-rate 4]
//   [--callers 1,2,4,8,16] [--batch-sizes 1,2,4,8,16] [--max-in-flight 64] [--sweep-warmup 1s] [--sweep-duration 3s]
// GPU check (perf/gpu-check.sh): MlopsGateway.Compare --gpu-check --mlops DLL|EXE [--provider cuda|cpu] [--cudnn-search HEURISTIC]
//   [--worker-callers 16,64] [--worker-max-batch 64] [--worker-instances 2], with the in-process grid's options above and
//   --resnet-warmup/--resnet-duration for the worker's runs.
// The last occurrence wins, so options given to compare.sh override the ones it passes itself.
string? Arg(string name) => args.Select((a, i) => (a, i)).LastOrDefault(p => p.a == name && p.i + 1 < args.Length) is { a: not null } p ? args[p.i + 1] : null;
TimeSpan Duration(string name, TimeSpan fallback) =>
    Arg(name) is { } text ? (DurationText.TryParse(text, out var d) ? d : throw new ArgumentException($"{name} '{text}' is not a duration.")) : fallback;
int Int(string name, int fallback) => Arg(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
double Double(string name, double fallback) => Arg(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback) =>
    Arg(name) is { } text ? [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => int.Parse(t, CultureInfo.InvariantCulture))] : fallback;
var gpuCheck = args.Contains("--gpu-check");

var defaults = new ComparisonOptions { Mlops = "", NaiveServer = "", ResNet18 = "" };
var options = new ComparisonOptions
{
    Mlops = Arg("--mlops") ?? throw new ArgumentException("--mlops path/to/mlops.dll is required."),
    NaiveServer = Arg("--naive") ?? (gpuCheck ? "" : throw new ArgumentException("--naive path/to/MlopsGateway.NaiveServer.dll is required.")),
    ResNet18 = Arg("--resnet18") ?? Assembly.GetExecutingAssembly().GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ResNet18Onnx").Value!,
    Results = Arg("--results") ?? defaults.Results,
    Nginx = Arg("--nginx") ?? defaults.Nginx,
    Warmup = Duration("--warmup", defaults.Warmup),
    Duration = Duration("--duration", defaults.Duration),
    ResNetWarmup = Duration("--resnet-warmup", defaults.ResNetWarmup),
    ResNetDuration = Duration("--resnet-duration", defaults.ResNetDuration),
    PropensityConcurrency = Int("--propensity-concurrency", defaults.PropensityConcurrency),
    ResNetConcurrency = Int("--resnet-concurrency", defaults.ResNetConcurrency),
    Rounds = Int("--rounds", defaults.Rounds),
    SameLoadDuration = Duration("--same-load-duration", defaults.SameLoadDuration),
    SameLoadPropensityRate = Double("--same-load-propensity-rate", defaults.SameLoadPropensityRate),
    SameLoadResNetRate = Double("--same-load-resnet-rate", defaults.SameLoadResNetRate),
    Callers = Ints("--callers", defaults.Callers),
    BatchSizes = Ints("--batch-sizes", defaults.BatchSizes),
    MaxImagesInFlight = Int("--max-in-flight", defaults.MaxImagesInFlight),
    SweepWarmup = Duration("--sweep-warmup", defaults.SweepWarmup),
    SweepDuration = Duration("--sweep-duration", defaults.SweepDuration),
    Provider = Arg("--provider") is { } provider
        ? provider is "cuda" or "cpu" ? provider : throw new ArgumentException($"--provider must be cuda or cpu, not '{provider}'.")
        : defaults.Provider,
    CudnnConvAlgoSearch = Arg("--cudnn-search") ?? defaults.CudnnConvAlgoSearch,
    WorkerCallers = Ints("--worker-callers", defaults.WorkerCallers),
    WorkerMaxBatchSize = Int("--worker-max-batch", defaults.WorkerMaxBatchSize),
    WorkerInstances = Int("--worker-instances", defaults.WorkerInstances),
    CommandLine = Arg("--command-line") ?? string.Join(' ', args),
};
// The in-process loop blocks one pool thread per caller in session.Run; start with enough of them.
ThreadPool.SetMinThreads(64, 64);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
return gpuCheck ? await new GpuCheck(options).RunAsync(stop.Token) : await new Comparison(options).RunAsync(stop.Token);
