using System.CommandLine;
using System.Diagnostics;
using Grpc.Core;
using Inference;
using MlopsGateway.LoadTest;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops loadtest</c>: closed-loop concurrency sweeps or open-loop rates against any Open
/// Inference Protocol server, with live progress, percentiles from HdrHistogram, the worker's own
/// split of queue and compute time, reports, charts, and SLOs that set the exit code.
/// </summary>
internal static class LoadTestCommand
{
    /// <summary>Exit code when an SLO was missed.</summary>
    public const int SloMissed = ExitCodes.Refused;

    /// <summary>Exit code when the run could not be done or nothing succeeded.</summary>
    public const int CouldNotRun = ExitCodes.Failed;

    private const int GeneratedRequests = 16;

    public static Command Create(CliEnvironment environment)
    {
        var options = new LoadTestOptions(environment);
        var command = new Command("loadtest", """
            Load-test a gateway or worker over the Open Inference Protocol and report throughput and latency percentiles per level.
            Exit codes: 0 done and every --slo met; 1 an SLO was missed, or an option was refused (before anything is sent); 2 the run could not be done or no request succeeded.
            Examples:
              mlops loadtest --target http://127.0.0.1:5000 --api-key $KEY --model propensity --concurrency 1,4,16 --slo "p99<50ms,errors<0.1%"
              mlops loadtest --target http://127.0.0.1:5001 --model resnet18 --rate 50 --arrival poisson --duration 30s --metrics http://127.0.0.1:9101/metrics --plot charts
              mlops loadtest --target http://gateway:5000 --model propensity --concurrency 64 --connections 4 --hdr-log agent1.hlog   (then: mlops loadtest merge agent*.hlog)
            """);
        options.AddTo(command);
        command.Subcommands.Add(LoadTestMergeCommand.Create());
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var o = options;
            var settings = new RunSettings(parse.GetValue(o.Target)!.OriginalString, environment.ValueOf(parse, o.ApiKey),
                parse.GetValue(o.Model)!, parse.GetValue(o.Version), o.Plan(parse.CommandResult), parse.GetValue(o.Timeout).Value,
                parse.GetValue(o.Shapes)!, parse.GetValue(o.InputFile), !parse.GetValue(o.Typed), parse.GetValue(o.Client), parse.GetValue(o.Connections), parse.GetValue(o.Metrics),
                parse.GetValue(o.Slo)!, parse.GetValue(o.Json), parse.GetValue(o.Markdown), parse.GetValue(o.Plot), parse.GetValue(o.LogFile), parse.GetValue(o.HdrLog), parse.GetValue(o.SaveRequest))
            {
                Inputs = parse.GetValue(o.Inputs),
                Shifts = parse.GetValue(o.Shifts)!,
                Redis = environment.ValueOf(parse, o.Redis),
                RedisCa = environment.Read(CliEnvironment.RedisCa),
                Keys = NamespaceOption.Keys(parse, environment),
            };
            return await RunAsync(settings, output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record RunSettings(
        string Target, string? ApiKey, string Model, string? Version, LoadPlan Plan, TimeSpan Timeout,
        IReadOnlyDictionary<string, long[]> Shapes, string? InputFile, bool Raw, LoadClientKind Client, int Connections, Uri? Metrics,
        IReadOnlyList<SloRule> Slo, string? Json, string? Markdown, string? Plot, string? LogFile, string? HdrLog, string? SaveRequest)
    {
        public LoadInputKind Inputs { get; init; }

        public IReadOnlyList<FeatureShift> Shifts { get; init; } = [];

        public string? Redis { get; init; }

        public string? RedisCa { get; init; }

        public RedisKeys Keys { get; init; } = RedisKeys.Default;
    }

    private static async Task<int> RunAsync(RunSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        OipLoadClient client;
        try
        {
            // The gRPC client reads the metadata either way; it opens the load's connections only when it sends the load.
            client = new OipLoadClient(settings.Target, settings.ApiKey, settings.Client == LoadClientKind.Grpc ? settings.Connections : 1);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return CouldNotRun;
        }
        using var _ = client;
        ModelMetadataResponse metadata;
        IReadOnlyList<ModelInferRequest> requests;
        string? drawn = null;
        try
        {
            metadata = await client.GetMetadataAsync(settings.Model, settings.Version, settings.Timeout, cancellationToken).ConfigureAwait(false);
            if (settings.Inputs == LoadInputKind.Baseline)
            {
                (requests, drawn) = await FromBaselineAsync(settings, metadata).ConfigureAwait(false);
            }
            else
            {
                requests = settings.InputFile is not null
                    ? LoadTestInputs.Read(settings.InputFile, metadata, settings.Version, settings.Plan.RowsPerRequest, settings.Raw)
                    : InputGenerator.Generate(metadata, settings.Version, settings.Plan.RowsPerRequest, settings.Shapes, GeneratedRequests, settings.Plan.Seed, settings.Raw);
            }
        }
        catch (BaselineRefusedException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.Refused;
        }
        catch (RpcException ex)
        {
            await error.WriteLineAsync($"Cannot read the metadata of model '{settings.Model}' at {settings.Target}: {ex.StatusCode}: {ex.Status.Detail}").ConfigureAwait(false);
            return CouldNotRun;
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return CouldNotRun;
        }
        if (settings.SaveRequest is not null)
        {
            await File.WriteAllBytesAsync(settings.SaveRequest, OipLoadClient.GrpcFrame(requests[0]), cancellationToken).ConfigureAwait(false);
        }

        var inputs = drawn ?? (settings.InputFile is not null
            ? $"{requests.Count} requests from {Path.GetFileName(settings.InputFile)}"
            : $"{InputGenerator.Describe(metadata, settings.Plan.RowsPerRequest, settings.Shapes)} random");
        inputs += settings.Raw ? " (raw)" : " (typed)";
        RequestLog? log = null;
        if (settings.LogFile is not null)
        {
            try
            {
                log = new RequestLog(settings.LogFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"Cannot write the request log {settings.LogFile}: {ex.Message}").ConfigureAwait(false);
                return CouldNotRun;
            }
        }
        using var requestLog = log;
        using var probe = settings.Metrics is null ? null : new ServerMetricsProbe(settings.Metrics, metadata.Name, settings.Version);
        var header = new LoadReport
        {
            Target = settings.Target, Client = settings.Client, Model = metadata.Name, Version = settings.Version ?? "", Inputs = inputs, Mode = settings.Plan.Mode,
            Arrival = settings.Plan.Arrival, Seed = settings.Plan.Seed, WarmupSeconds = settings.Plan.Warmup.TotalSeconds,
            DurationSeconds = settings.Plan.Duration.TotalSeconds, RowsPerRequest = settings.Plan.RowsPerRequest, StartedAt = DateTimeOffset.UtcNow,
            MetricsUrl = settings.Metrics?.ToString(), Levels = [], Timeline = [],
        };
        HdrLogWriter? hdrLog = null;
        if (settings.HdrLog is not null)
        {
            try
            {
                hdrLog = new HdrLogWriter(settings.HdrLog, header, settings.Plan);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"Cannot write the HdrHistogram log {settings.HdrLog}: {ex.Message}").ConfigureAwait(false);
                return CouldNotRun;
            }
        }
        using var intervalLog = hdrLog;
        using var frames = settings.Client == LoadClientKind.Frames ? new FrameLoadClient(settings.Target, settings.ApiKey, settings.Connections) : null;
        var call = frames is not null ? frames.InferCall(requests, settings.Timeout) : client.InferCall(requests, settings.Timeout);
        var console = new LoadTestConsole(output);
        var runner = new LoadRunner(settings.Plan, call)
        {
            Progress = console,
            ServerMetrics = probe,
            Warning = console.Warn,
            Completed = log is null ? null : log.Write,
            Interval = hdrLog is null ? null : hdrLog.Write,
        };
        console.Begin(header);
        var result = await console.RunAsync(runner, cancellationToken).ConfigureAwait(false);
        var report = header with
        {
            Levels = result.Levels,
            Timeline = result.Timeline,
            Stopped = result.Stopped,
            ClientCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds,
            Slo = SloOutcome.Evaluate(settings.Slo, result.Levels),
        };
        console.Finish(report);
        if (log is not null)
        {
            log.Dispose();
            await (log.Failure is { } failure
                ? error.WriteLineAsync($"The request log {settings.LogFile} is incomplete: {failure.Message}")
                : output.WriteLineAsync($"Wrote {settings.LogFile}")).ConfigureAwait(false);
        }
        if (hdrLog is not null)
        {
            hdrLog.Finish(report);
            hdrLog.Dispose();
            await output.WriteLineAsync($"Wrote {settings.HdrLog}").ConfigureAwait(false);
        }
        return await FinishAsync(report, settings.Json, settings.Markdown, settings.Plot, output, error).ConfigureAwait(false);
    }

    /// <summary>Requests drawn from the version's baseline in Redis, and what they carry.</summary>
    /// <exception cref="BaselineRefusedException">There is no Redis, no version or no baseline to draw from, or the baseline does not fit the model or the shifts.</exception>
    private static async Task<(IReadOnlyList<ModelInferRequest> Requests, string Description)> FromBaselineAsync(RunSettings settings, ModelMetadataResponse metadata)
    {
        if (settings.Redis is null)
        {
            throw new BaselineRefusedException($"--inputs baseline reads the version's baseline from the deployment's Redis: give --redis or set {CliEnvironment.Redis} (mlops up prints it).");
        }
        await using var redis = await RedisHandle.ConnectAsync(settings.Redis, settings.RedisCa).ConfigureAwait(false);
        var store = new BaselineStore(redis, settings.Keys);
        try
        {
            var baseline = await BaselineLookup.FindAsync(redis, settings.Keys, metadata.Name, settings.Version, store.GetAsync).ConfigureAwait(false);
            return BaselineInputs.Build(metadata, baseline, settings.Version, settings.Plan.RowsPerRequest, settings.Shapes, settings.Shifts, settings.Plan.Seed, settings.Raw);
        }
        catch (Exception ex) when (ex is ArgumentException or ModelRegistryException)
        {
            throw new BaselineRefusedException(ex.Message);
        }
    }

    /// <summary>
    /// Writes the report's files and returns the exit code: shared by a run and by <c>loadtest merge</c>,
    /// so a merged report is written and judged as a single run's.
    /// </summary>
    public static async Task<int> FinishAsync(LoadReport report, string? json, string? markdown, string? plot, TextWriter output, TextWriter error)
    {
        if (json is not null)
        {
            ReportWriter.WriteJson(report, json);
            await output.WriteLineAsync($"Wrote {json}").ConfigureAwait(false);
        }
        if (markdown is not null)
        {
            ReportWriter.WriteMarkdown(report, markdown);
            await output.WriteLineAsync($"Wrote {markdown}").ConfigureAwait(false);
        }
        if (plot is not null)
        {
            foreach (var path in ReportPlotter.WritePngs(report, plot))
            {
                await output.WriteLineAsync($"Wrote {path}").ConfigureAwait(false);
            }
        }

        if (report.Levels.Count == 0 || report.Levels.All(l => l.Ok == 0))
        {
            await error.WriteLineAsync("No request succeeded; see the errors above.").ConfigureAwait(false);
            return report.SloMet ? CouldNotRun : SloMissed;
        }
        if (!report.SloMet)
        {
            foreach (var outcome in report.Slo.Where(o => !o.Met))
            {
                await error.WriteLineAsync(outcome.Message).ConfigureAwait(false);
            }
            return SloMissed;
        }
        return ExitCodes.Ok;
    }
}
