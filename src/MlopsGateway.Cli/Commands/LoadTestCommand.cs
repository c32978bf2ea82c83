using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Inference;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops loadtest</c>: closed-loop concurrency sweeps or open-loop rates against any Open
/// Inference Protocol server, with live progress, percentiles from HdrHistogram, the worker's own
/// split of queue and compute time, reports, charts, and SLOs that set the exit code.
/// </summary>
internal static class LoadTestCommand
{
    /// <summary>Exit code when an SLO was missed.</summary>
    public const int SloMissed = 1;

    /// <summary>Exit code when the run could not be done or nothing succeeded.</summary>
    public const int CouldNotRun = 2;

    private const int GeneratedRequests = 16;

    public static Command Create()
    {
        var target = new Option<string>("--target", "-t")
        {
            Description = "The gateway or worker to load (gRPC, HTTP/2). Loopback or your own test hosts only.",
            DefaultValueFactory = _ => "http://127.0.0.1:5000",
        };
        var apiKey = new Option<string?>("--api-key") { Description = "API key, sent as x-api-key (or set MLOPS_API_KEY). Workers ignore it." };
        var model = new Option<string>("--model", "-m") { Description = "Model to call.", Required = true };
        var version = new Option<string?>("--version") { Description = "Model version; left out, the server picks (the latest)." };
        var concurrency = new Option<string?>("--concurrency", "-c")
        {
            Description = "Closed loop: comma-separated numbers of callers, each sending its next request when the last is answered. Default 1,4,16,64.",
        };
        var rate = new Option<string?>("--rate", "-r")
        {
            Description = "Open loop instead: comma-separated requests per second, sent on schedule whatever the server does; latency counts from the intended send time (no coordinated omission).",
        };
        var arrival = new Option<ArrivalProcess>("--arrival")
        {
            Description = "Open loop spacing: constant (evenly) or poisson (random gaps, as independent callers make).",
            DefaultValueFactory = _ => ArrivalProcess.Constant,
        };
        var warmup = new Option<string>("--warmup") { Description = "Warm-up before each level, not measured (e.g. 2s, 500ms, 0).", DefaultValueFactory = _ => "2s" };
        var duration = new Option<string>("--duration", "-d") { Description = "Measurement per level (e.g. 10s, 1m; at most 1h).", DefaultValueFactory = _ => "10s" };
        var maxRequests = new Option<long>("--max-requests") { Description = "Most requests measured per level; the level ends early at this count.", DefaultValueFactory = _ => 1_000_000 };
        var maxInFlight = new Option<int>("--max-in-flight") { Description = "Open loop: most requests outstanding; later ones wait and their wait counts as latency.", DefaultValueFactory = _ => 1000 };
        var timeout = new Option<string>("--timeout") { Description = "Deadline of each request.", DefaultValueFactory = _ => "10s" };
        var rows = new Option<int>("--rows") { Description = "Rows per request: the size of a variable leading (batch) dimension.", DefaultValueFactory = _ => 1 };
        var shapes = new Option<string[]>("--shape")
        {
            Description = "A full input shape, name=1,3,224,224, for inputs with variable dimensions besides the batch (repeatable).",
            AllowMultipleArgumentsPerToken = true,
        };
        var inputFile = new Option<string?>("--input-file")
        {
            Description = "Read requests from a file instead of random values: .json (an object {\"input\": [[...]]} or an array of them) or .csv (one row per line, for one 2-D input).",
        };
        var typed = new Option<bool>("--typed") { Description = "Send tensors in the typed contents fields instead of raw little-endian bytes (the default, as Triton's clients send)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the random inputs and Poisson arrivals.", DefaultValueFactory = _ => 1 };
        var connections = new Option<int>("--connections") { Description = "HTTP/2 connections to spread the load over.", DefaultValueFactory = _ => 1 };
        var metrics = new Option<string?>("--metrics")
        {
            Description = "The worker's Prometheus page (e.g. http://127.0.0.1:9101/metrics): adds the worker's own queue time, compute time, batch size and request count per level.",
        };
        var slo = new Option<string?>("--slo") { Description = "Objectives every level must meet, else exit code 1: " + SloRule.Syntax };
        var json = new Option<string?>("--json") { Description = "Write the report as JSON to this file." };
        var markdown = new Option<string?>("--markdown") { Description = "Write the report as markdown to this file." };
        var plot = new Option<string?>("--plot") { Description = "Write PNG charts into this folder: latency percentiles per level, latency over time." };
        var logFile = new Option<string?>("--log-file")
        {
            Description = "Write every request, warm-up included, as one tab-separated line: when it was due (open loop) or sent, "
                + "in microseconds since the Unix epoch; its gRPC status code (0 is OK); microseconds to its answer; the level's index; "
                + "warmup or measured. The first three columns as h2load's --log-file.",
        };
        var saveRequest = new Option<string?>("--save-request") { Description = "Also write the first request as a gRPC frame, for replay by another tool (h2load -d FILE)." };
        var progressInterval = new Option<string>("--progress-interval") { Description = "How often progress and the latency-over-time samples are taken.", DefaultValueFactory = _ => "1s" };

        var command = new Command("loadtest", """
            Load-test a gateway or worker over the Open Inference Protocol and report throughput and latency percentiles per level.
            Exit codes: 0 done and every --slo met; 1 an SLO was missed (or the options could not be parsed); 2 the run could not be done or no request succeeded.
            Examples:
              mlops loadtest --target http://127.0.0.1:5000 --api-key $KEY --model propensity --concurrency 1,4,16 --slo "p99<50ms,errors<0.1%"
              mlops loadtest --target http://127.0.0.1:5001 --model resnet18 --rate 50 --arrival poisson --duration 30s --metrics http://127.0.0.1:9101/metrics --plot charts
            """)
        {
            target, apiKey, model, version, concurrency, rate, arrival, warmup, duration, maxRequests, maxInFlight, timeout,
            rows, shapes, inputFile, typed, seed, connections, metrics, slo, json, markdown, plot, logFile, saveRequest, progressInterval,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var errors = new List<string>();
            var plan = new LoadPlan
            {
                Arrival = parse.GetValue(arrival),
                Warmup = Duration(parse.GetValue(warmup)!, "--warmup", errors),
                Duration = Duration(parse.GetValue(duration)!, "--duration", errors),
                MaxRequestsPerLevel = parse.GetValue(maxRequests),
                MaxInFlight = parse.GetValue(maxInFlight),
                SampleInterval = Duration(parse.GetValue(progressInterval)!, "--progress-interval", errors),
                Seed = parse.GetValue(seed),
                RowsPerRequest = parse.GetValue(rows),
            };
            var rateText = parse.GetValue(rate);
            var concurrencyText = parse.GetValue(concurrency);
            if (rateText is not null && concurrencyText is not null)
            {
                errors.Add("Give --concurrency (closed loop) or --rate (open loop), not both.");
            }
            if (concurrencyText is not null)
            {
                plan.Concurrency = List(concurrencyText, "--concurrency", s => int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture), errors);
            }
            if (rateText is not null)
            {
                plan.Mode = LoadMode.Open;
                plan.Rates = List(rateText, "--rate", s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture), errors);
            }
            errors.AddRange(plan.Validate());
            var requestTimeout = Duration(parse.GetValue(timeout)!, "--timeout", errors);
            var shapeMap = Shapes(parse.GetValue(shapes) ?? [], errors);
            IReadOnlyList<SloRule> rules = [];
            if (parse.GetValue(slo) is { } sloText)
            {
                try
                {
                    rules = SloRule.ParseList(sloText);
                }
                catch (FormatException ex)
                {
                    errors.Add(ex.Message);
                }
            }
            Uri? metricsUrl = null;
            if (parse.GetValue(metrics) is { } metricsText)
            {
                metricsUrl = MetricsUrl(metricsText, errors);
            }
            if (parse.GetValue(connections) is < 1 or > 64)
            {
                errors.Add($"--connections must be between 1 and 64, not {parse.GetValue(connections)}.");
            }
            if (errors.Count > 0)
            {
                foreach (var message in errors)
                {
                    await error.WriteLineAsync(message).ConfigureAwait(false);
                }
                return CouldNotRun;
            }

            var settings = new RunSettings(parse.GetValue(target)!, parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("MLOPS_API_KEY"),
                parse.GetValue(model)!, parse.GetValue(version), plan, requestTimeout, shapeMap, parse.GetValue(inputFile), !parse.GetValue(typed),
                parse.GetValue(connections), metricsUrl, rules, parse.GetValue(json), parse.GetValue(markdown), parse.GetValue(plot), parse.GetValue(logFile), parse.GetValue(saveRequest));
            return await RunAsync(settings, output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private sealed record RunSettings(
        string Target, string? ApiKey, string Model, string? Version, LoadPlan Plan, TimeSpan Timeout,
        IReadOnlyDictionary<string, long[]> Shapes, string? InputFile, bool Raw, int Connections, Uri? Metrics,
        IReadOnlyList<SloRule> Slo, string? Json, string? Markdown, string? Plot, string? LogFile, string? SaveRequest);

    private static async Task<int> RunAsync(RunSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        OipLoadClient client;
        try
        {
            client = new OipLoadClient(settings.Target, settings.ApiKey, settings.Connections);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return CouldNotRun;
        }
        using var _ = client;
        ModelMetadataResponse metadata;
        IReadOnlyList<ModelInferRequest> requests;
        try
        {
            metadata = await client.GetMetadataAsync(settings.Model, settings.Version, settings.Timeout, cancellationToken).ConfigureAwait(false);
            requests = settings.InputFile is not null
                ? LoadTestInputs.Read(settings.InputFile, metadata, settings.Version, settings.Plan.RowsPerRequest, settings.Raw)
                : InputGenerator.Generate(metadata, settings.Version, settings.Plan.RowsPerRequest, settings.Shapes, GeneratedRequests, settings.Plan.Seed, settings.Raw);
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

        var inputs = settings.InputFile is not null
            ? $"{requests.Count} requests from {Path.GetFileName(settings.InputFile)}"
            : $"{InputGenerator.Describe(metadata, settings.Plan.RowsPerRequest, settings.Shapes)} random";
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
        var console = new LoadTestConsole(output);
        var runner = new LoadRunner(settings.Plan, client.InferCall(requests, settings.Timeout))
        {
            Progress = console,
            ServerMetrics = probe,
            Warning = console.Warn,
            Completed = log is null ? null : log.Write,
        };
        var startedAt = DateTimeOffset.UtcNow;
        var header = new LoadReport
        {
            Target = settings.Target, Model = metadata.Name, Version = settings.Version ?? "", Inputs = inputs, Mode = settings.Plan.Mode,
            Arrival = settings.Plan.Arrival, Seed = settings.Plan.Seed, WarmupSeconds = settings.Plan.Warmup.TotalSeconds,
            DurationSeconds = settings.Plan.Duration.TotalSeconds, RowsPerRequest = settings.Plan.RowsPerRequest, StartedAt = startedAt,
            MetricsUrl = settings.Metrics?.ToString(), Levels = [], Timeline = [],
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

        if (settings.Json is not null)
        {
            ReportWriter.WriteJson(report, settings.Json);
            await output.WriteLineAsync($"Wrote {settings.Json}").ConfigureAwait(false);
        }
        if (settings.Markdown is not null)
        {
            ReportWriter.WriteMarkdown(report, settings.Markdown);
            await output.WriteLineAsync($"Wrote {settings.Markdown}").ConfigureAwait(false);
        }
        if (settings.Plot is not null)
        {
            foreach (var path in ReportPlotter.WritePngs(report, settings.Plot))
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
        return 0;
    }

    private static TimeSpan Duration(string text, string option, List<string> errors)
    {
        if (DurationText.TryParse(text, out var value))
        {
            return value;
        }
        errors.Add($"{option} '{text}' is not a duration; write e.g. 10s, 500ms, 2m.");
        // A valid stand-in, so the plan's own checks do not report the same option again.
        return TimeSpan.FromSeconds(1);
    }

    private static T[] List<T>(string text, string option, Func<string, T> parse, List<string> errors)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).ToArray();
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            errors.Add($"{option} '{text}' is not a comma-separated list of numbers, e.g. {(option == "--rate" ? "100,500" : "1,4,16,64")}.");
            return [];
        }
    }

    private static Dictionary<string, long[]> Shapes(string[] values, List<string> errors)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var separator = value.IndexOf('=', StringComparison.Ordinal);
            var dims = separator > 0 ? value[(separator + 1)..].Split(',', StringSplitOptions.TrimEntries) : [];
            if (separator <= 0 || dims.Length == 0 || !dims.All(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                errors.Add($"--shape '{value}' is not name=d0,d1,..., e.g. input=1,3,224,224.");
                continue;
            }
            shapes[value[..separator].Trim()] = dims.Select(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        }
        return shapes;
    }

    private static Uri? MetricsUrl(string text, List<string> errors)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"--metrics '{text}' is not an http:// address, e.g. http://127.0.0.1:9101/metrics.");
            return null;
        }
        // The worker serves its page at /metrics; an address without a path means that page.
        return uri.AbsolutePath == "/" ? new Uri(uri, "/metrics") : uri;
    }
}
