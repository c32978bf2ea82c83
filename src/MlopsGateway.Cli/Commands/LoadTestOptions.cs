using System.CommandLine;
using System.CommandLine.Parsing;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// The options of <c>mlops loadtest</c>, read and checked by the parser: each value on its own (a
/// duration, a list, an address, a shape, an SLO), then the run they make together (<see cref="LoadPlan.Validate"/>),
/// so every problem is listed at once before anything is sent.
/// </summary>
internal sealed class LoadTestOptions
{
    public LoadTestOptions(CliEnvironment environment)
    {
        ApiKey = environment.FallBack(
            new Option<string?>("--api-key") { Description = "API key, sent as x-api-key. Workers ignore it." }, CliEnvironment.ApiKey);
        Target.Aliases.Add("-t");
        Concurrency.Aliases.Add("-c");
        Rate.Aliases.Add("-r");
        Duration.Aliases.Add("-d");
        Rows.Aliases.Add("--batch");
        Redis = environment.FallBack(new Option<string?>("--redis")
        {
            Description = "Redis connection string of the deployment, for --inputs baseline (mlops up prints it).",
        }, CliEnvironment.Redis);
    }

    public Option<Uri?> Target { get; } = TypedOptions.HttpAddress("--target",
        "The gateway or worker to load (gRPC, HTTP/2). Loopback or your own test hosts only.", "http://127.0.0.1:5000", "http://127.0.0.1:5000");

    public Option<string?> ApiKey { get; }

    public Option<string> Model { get; } = new("--model", "-m") { Description = "Model to call.", Required = true };

    public Option<string?> Version { get; } = new("--version") { Description = "Model version; left out, the server picks (the latest)." };

    public Option<int[]?> Concurrency { get; } = TypedOptions.Integers("--concurrency",
        "Closed loop: comma-separated numbers of callers, each sending its next request when the last is answered. Default 1,4,16,64.", "1,4,16,64");

    public Option<double[]?> Rate { get; } = TypedOptions.Numbers("--rate",
        "Open loop instead: comma-separated requests per second, sent on schedule whatever the server does; latency counts from the intended send time (no coordinated omission).",
        "100,500");

    public Option<ArrivalProcess> Arrival { get; } = new("--arrival")
    {
        Description = "Open loop spacing: constant (evenly) or poisson (random gaps, as independent callers make).",
        DefaultValueFactory = _ => ArrivalProcess.Constant,
    };

    public Option<DurationValue> Warmup { get; } = TypedOptions.Duration("--warmup", "Warm-up before each level, not measured (e.g. 2s, 500ms, 0).", "2s", "10s, 500ms, 2m");

    public Option<DurationValue> Duration { get; } = TypedOptions.Duration("--duration", "Measurement per level (e.g. 10s, 1m; at most 1h).", "10s", "10s, 500ms, 2m");

    public Option<long> MaxRequests { get; } = new("--max-requests") { Description = "Most requests measured per level; the level ends early at this count.", DefaultValueFactory = _ => 1_000_000 };

    public Option<int> MaxInFlight { get; } = new("--max-in-flight") { Description = "Open loop: most requests outstanding; later ones wait and their wait counts as latency.", DefaultValueFactory = _ => 1000 };

    public Option<DurationValue> Timeout { get; } = TypedOptions.Duration("--timeout", "Deadline of each request.", "10s", "10s, 500ms, 2m");

    public Option<int> Rows { get; } = new("--rows") { Description = "Rows per request: the size of a variable leading (batch) dimension.", DefaultValueFactory = _ => 1 };

    public Option<IReadOnlyDictionary<string, long[]>> Shapes { get; } = TypedOptions.Shapes("--shape",
        "A full input shape, name=1,3,224,224, for inputs with variable dimensions besides the batch (repeatable).");

    public Option<string?> InputFile { get; } = new("--input-file")
    {
        Description = "Read requests from a file instead of random values: .json (an object {\"input\": [[...]]} or an array of them) or .csv (one row per line, for one 2-D input).",
    };

    public Option<LoadInputKind> Inputs { get; } = new("--inputs")
    {
        Description = "random: seeded random values (floats in [0, 1), integers in [0, 10)); baseline: rows drawn from the version's baseline "
            + "in Redis (--redis, --namespace; the version from --version, else the one calls naming none get), so the traffic is distributed as the training data.",
        DefaultValueFactory = _ => LoadInputKind.Random,
    };

    public Option<IReadOnlyList<FeatureShift>> Shifts { get; } = new("--shift")
    {
        Description = "With --inputs baseline, move named features of the drawn rows: " + FeatureShift.Syntax + ".",
        DefaultValueFactory = _ => [],
        AllowMultipleArgumentsPerToken = false,
        CustomParser = result =>
        {
            try
            {
                return FeatureShift.ParseList(result.Tokens.Select(t => t.Value));
            }
            catch (FormatException ex)
            {
                result.AddError(ex.Message);
                return [];
            }
        },
    };

    public Option<string?> Redis { get; }

    public Option<bool> Typed { get; } = new("--typed") { Description = "Send tensors in the typed contents fields instead of raw little-endian bytes (the default, as Triton's clients send)." };

    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the random inputs, of the rows drawn from a baseline and of Poisson arrivals.", DefaultValueFactory = _ => 1 };

    public Option<LoadClientKind> Client { get; } = new("--client")
    {
        Description = "frames: the tool's own HTTP/2 client, as h2load: each distinct request encoded once (headers and gRPC frame) and sent with only "
            + "the stream id patched, many calls per socket write, answers read for their status only (the least CPU per call); "
            + "grpc: Grpc.Net.Client, as an application calls. Both count errors by gRPC status alike.",
        DefaultValueFactory = _ => LoadClientKind.Frames,
    };

    public Option<int> Connections { get; } = new Option<int>("--connections") { Description = "HTTP/2 connections the calls are spread over in turn (as h2load's -c); each opens more past the server's stream limit.", DefaultValueFactory = _ => 1 }
        .Within(1, 64, "--connections must be between 1 and 64, not {0}.");

    public Option<Uri?> Metrics { get; } = MetricsPage();

    public Option<IReadOnlyList<SloRule>> Slo { get; } = SloOption("Objectives every level must meet, else exit code 1: ");

    public Option<string?> Json { get; } = new("--json") { Description = "Write the report as JSON to this file." };

    public Option<string?> Markdown { get; } = new("--markdown") { Description = "Write the report as markdown to this file." };

    public Option<string?> Plot { get; } = new("--plot") { Description = "Write PNG charts into this folder: latency percentiles per level, latency over time." };

    public Option<string?> LogFile { get; } = new("--log-file")
    {
        Description = "Write every request, warm-up included, as one tab-separated line: when it was due (open loop) or sent, "
            + "in microseconds since the Unix epoch; its gRPC status code (0 is OK); microseconds to its answer; the level's index; "
            + "warmup or measured. The first three columns as h2load's --log-file.",
    };

    public Option<string?> HdrLog { get; } = new("--hdr-log")
    {
        Description = "Write an HdrHistogram interval log (HdrHistogram's log format, one histogram per --progress-interval, "
            + "with absolute start times and tags for level, phase and status) to this file, for `mlops loadtest merge`: "
            + "runs on several machines at once make one report.",
    };

    public Option<string?> SaveRequest { get; } = new("--save-request") { Description = "Also write the first request as a gRPC frame, for replay by another tool (h2load -d FILE)." };

    public Option<DurationValue> ProgressInterval { get; } = TypedOptions.Duration("--progress-interval",
        "How often progress and the latency-over-time samples are taken.", "1s", "10s, 500ms, 2m");

    /// <summary>Adds the options to <paramref name="command"/>, with the checks of the run they make together.</summary>
    public void AddTo(Command command)
    {
        Option[] all =
        [
            Target, ApiKey, Model, Version, Concurrency, Rate, Arrival, Warmup, Duration, MaxRequests, MaxInFlight, Timeout,
            Rows, Shapes, InputFile, Inputs, Shifts, Redis, Typed, Seed, Client, Connections, Metrics, Slo, Json, Markdown, Plot, LogFile, HdrLog, SaveRequest, ProgressInterval,
        ];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }
        // On the option every run has, not on the command: the parser skips the options' own checks once a
        // command's check finds a problem, and every problem should be listed at once.
        Model.Validators.Add(result => Check((CommandResult)result.Parent!));
    }

    /// <summary>The run the options describe.</summary>
    public LoadPlan Plan(SymbolResult parse)
    {
        var plan = new LoadPlan
        {
            Arrival = Read(parse, Arrival),
            Warmup = Read(parse, Warmup).Value,
            Duration = Read(parse, Duration).Value,
            MaxRequestsPerLevel = Read(parse, MaxRequests),
            MaxInFlight = Read(parse, MaxInFlight),
            SampleInterval = Read(parse, ProgressInterval).Value,
            Seed = Read(parse, Seed),
            RowsPerRequest = Read(parse, Rows),
        };
        if (Read(parse, Concurrency) is { } levels)
        {
            plan.Concurrency = levels;
        }
        if (Read(parse, Rate) is { } rates)
        {
            plan.Mode = LoadMode.Open;
            plan.Rates = rates;
        }
        return plan;
    }

    // While the parser validates, options left out have no result yet and their defaults are not applied.
    private static T Read<T>(SymbolResult parse, Option<T> option) =>
        parse.GetResult(option) is null ? (option.HasDefaultValue ? (T)option.GetDefaultValue()! : default!) : parse.GetValue(option)!;

    private void Check(CommandResult result)
    {
        if (result.GetResult(Concurrency) is not null && result.GetResult(Rate) is not null)
        {
            result.AddError("Give --concurrency (closed loop) or --rate (open loop), not both.");
        }
        LoadPlan plan;
        try
        {
            CheckInputs(result);
            plan = Plan(result);
        }
        catch (InvalidOperationException)
        {
            // A value the parser refused (reading it throws with the refusal); the plan would only repeat it.
            return;
        }
        foreach (var problem in plan.Validate())
        {
            result.AddError(problem);
        }
    }

    private void CheckInputs(CommandResult result)
    {
        var baseline = Read(result, Inputs) == LoadInputKind.Baseline;
        if (baseline && result.GetResult(InputFile) is not null)
        {
            result.AddError("Give --inputs baseline or --input-file, not both.");
        }
        if (!baseline && result.GetResult(Shifts) is not null)
        {
            result.AddError("--shift moves features of rows drawn from a baseline; add --inputs baseline.");
        }
    }

    /// <summary>The <c>--slo</c> option, read with <see cref="SloRule.ParseList"/>; shared with <c>loadtest merge</c>.</summary>
    public static Option<IReadOnlyList<SloRule>> SloOption(string description) => new("--slo")
    {
        Description = description + SloRule.Syntax,
        DefaultValueFactory = _ => [],
        CustomParser = result =>
        {
            try
            {
                return SloRule.ParseList(result.Tokens[^1].Value);
            }
            catch (FormatException ex)
            {
                result.AddError(ex.Message);
                return [];
            }
        },
    };

    private static Option<Uri?> MetricsPage()
    {
        var page = TypedOptions.HttpAddress("--metrics",
            "The worker's Prometheus page (e.g. http://127.0.0.1:9101/metrics): adds the worker's own queue time, compute time, batch size and request count per level.",
            null, "http://127.0.0.1:9101/metrics");
        var parse = page.CustomParser!;
        // The worker serves its page at /metrics; an address without a path means that page.
        page.CustomParser = result =>
        {
            var uri = parse(result);
            return uri is { AbsolutePath: "/" } ? new Uri(uri, "/metrics") : uri;
        };
        return page;
    }
}
