using System.CommandLine;
using System.Globalization;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using Spectre.Console;
using Spectre.Console.Rendering;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops monitor</c>: <c>status</c> (a model's drift and accuracy as the gateways evaluate them, read from Redis directly) and <c>baseline capture</c>.</summary>
internal static class MonitorCommand
{
    /// <summary>How often <c>--watch</c> redraws.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(3);

    public static Command Create(CliEnvironment environment)
    {
        var monitor = new Command("monitor", "Model quality: drift against each version's baseline, accuracy from ground-truth labels; baselines captured from traffic.");
        monitor.Subcommands.Add(Status(environment));
        monitor.Subcommands.Add(MonitorBaselineCommand.Create(environment));
        return monitor;
    }

    private static Command Status(CliEnvironment environment)
    {
        var model = new Option<string>("--model") { Description = "The model.", Required = true };
        var version = new Option<string?>("--version") { Description = "One version; left out, every version with a baseline or recorded predictions." };
        var watch = new Option<bool>("--watch") { Description = $"Redraw every {WatchInterval.TotalSeconds:0} s until Ctrl-C." };
        var json = RegistryOutput.JsonOption();
        var window = TypedOptions.Duration("--window", "How far back the drift counts reach (the gateway's --drift-window).", "5m", "5m, 15m");
        var accuracyWindow = TypedOptions.Duration("--accuracy-window", "How far back predictions and labels reach (the gateway's --accuracy-window).", "1h", "1h, 1d");
        var falseAlarms = new Option<double>("--false-alarm-rate")
        {
            Description = "The false-alarm rate drift thresholds are calibrated to (the gateway's --false-alarm-rate).",
            DefaultValueFactory = _ => 0.01,
            HelpName = "rate",
        }.Within(1e-6, 0.49, "--false-alarm-rate must be above 0 and under 0.5, not {0}.");
        var status = new Command("status", "Per feature the drift method, score, threshold, rows and state; the model's state; accuracy figures with 95% intervals; label coverage and delay.")
        {
            RedisCommands.RedisRequired(environment), model, version, watch, json, window, accuracyWindow, falseAlarms,
        };
        status.SetAction(async (parse, cancellationToken) => await RedisCommands.RunAsync(parse, environment, async (redis, keys) =>
        {
            var evaluator = new QualityEvaluator(redis, keys, new QualityWindows
            {
                Drift = parse.GetValue(window).Value,
                Accuracy = parse.GetValue(accuracyWindow).Value,
                FalseAlarmRate = parse.GetValue(falseAlarms),
            });
            var name = parse.GetValue(model)!;
            var versions = parse.GetValue(version) is { } one ? [one] : await VersionsAsync(redis, keys, name).ConfigureAwait(false);
            if (versions.Count == 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"'{name}' has no version in the registry and none served by a registered worker: name one with --version.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            Task<IReadOnlyList<MonitorReport>> ReadAsync() => EvaluateAsync(evaluator, name, versions, cancellationToken);
            var reports = await ReadAsync().ConfigureAwait(false);
            if (reports.Count == 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"'{name}' has no baseline and no recorded predictions{(versions.Count == 1 ? $" for version {versions[0]}" : "")}: "
                    + "push one with 'mlops models push ... --baseline FILE' or capture one with 'mlops monitor baseline capture'.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            if (parse.GetValue(json))
            {
                await RegistryOutput.WriteJsonAsync(parse, reports).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var console = RegistryOutput.Console(parse.InvocationConfiguration.Output);
            if (!parse.GetValue(watch))
            {
                console.Write(Render(reports));
                return ExitCodes.Ok;
            }
            await WatchAsync(console, reports, ReadAsync, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));
        return status;
    }

    /// <summary>
    /// Redraws the reports every <see cref="WatchInterval"/> until cancelled (Ctrl-C): in place on a
    /// terminal, and one after another (each with its time) into a file or a pipe, which cannot redraw.
    /// </summary>
    private static async Task WatchAsync(
        IAnsiConsole console, IReadOnlyList<MonitorReport> first, Func<Task<IReadOnlyList<MonitorReport>>> read, CancellationToken cancellationToken)
    {
        async Task RefreshAsync(Action<IReadOnlyList<MonitorReport>> show)
        {
            try
            {
                while (true)
                {
                    await Task.Delay(WatchInterval, cancellationToken).ConfigureAwait(false);
                    show(await read().ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C: what is shown stays.
            }
        }
        if (console.Profile.Capabilities.Ansi)
        {
            await console.Live(Render(first)).StartAsync(live => RefreshAsync(reports => live.UpdateTarget(Render(reports)))).ConfigureAwait(false);
            return;
        }
        console.Write(Render(first));
        await RefreshAsync(reports => console.Write(Render(reports))).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<string>> VersionsAsync(ConnectionMultiplexer redis, RedisKeys keys, string model)
    {
        var registered = await new ModelRegistry(redis, keys: keys).VersionsAsync(model).ConfigureAwait(false);
        var served = WorkerStore.VersionsOf(await new WorkerStore(redis, keys).ListAsync().ConfigureAwait(false), model);
        return registered.Records.Select(r => r.Version).Concat(served).Distinct().Order(VersionOrder.Comparer).ToArray();
    }

    private static async Task<IReadOnlyList<MonitorReport>> EvaluateAsync(QualityEvaluator evaluator, string model, IReadOnlyList<string> versions, CancellationToken cancellationToken)
    {
        var at = DateTimeOffset.UtcNow;
        var reports = new List<MonitorReport>();
        foreach (var version in versions)
        {
            if (await evaluator.EvaluateAsync(model, version, at, cancellationToken).ConfigureAwait(false) is { } report)
            {
                reports.Add(report);
            }
        }
        return reports;
    }

    private static IRenderable Render(IReadOnlyList<MonitorReport> reports) => new Rows(reports.SelectMany(Render));

    private static IEnumerable<IRenderable> Render(MonitorReport report)
    {
        var features = report.Features.Where(f => f.Primary && f.Feature != "prediction").ToArray();
        var drifting = features.Count(f => f.State == DriftStates.Drift);
        yield return new Text(Invariant(
            $"{report.Model} version {report.Version}: {report.DriftState.ToUpperInvariant()} ({drifting} of {features.Length} features drift; {report.Rows} rows in the last {Span(report.DriftWindow)}; at {RegistryOutput.When(report.EvaluatedAt)} UTC)"));
        if (report.Features.Count > 0)
        {
            var table = RegistryOutput.Table("FEATURE", "METHOD", "SCORE", "THRESHOLD", "ROWS", "STATE");
            foreach (var row in report.Features)
            {
                table.Row(row.Feature, row.Primary ? row.Method : $"({row.Method})", FigureText.Of(row.Score, "0.0000"), FigureText.Of(row.Threshold, "0.0000"),
                    row.Rows.ToString(CultureInfo.InvariantCulture), row.Primary ? row.State : "");
            }
            yield return table;
        }
        yield return new Text(Invariant(
            $"Accuracy over the last {Span(report.AccuracyWindow)}: {report.Labels} labels of {report.Predictions} predictions, coverage {(report.Coverage is { } c ? $"{c * 100:0.0}%" : "-")}, label delay {(report.LabelDelay is { } d ? Span(d) : "-")} (median)"));
        if (report.Accuracy.Count > 0)
        {
            var table = RegistryOutput.Table("METRIC", "VALUE", "95% INTERVAL");
            foreach (var figure in report.Accuracy)
            {
                table.Row(figure.Metric, FigureText.Of(figure.Value, "0.0000"), FigureText.Interval(figure.Lower, figure.Upper, "0.0000"));
            }
            yield return table;
        }
        yield return new Text("");
    }

    private static string Span(TimeSpan span) =>
        span.TotalHours >= 1 && span.Minutes == 0 && span.Seconds == 0 ? Invariant($"{span.TotalHours:0}h")
        : span.TotalMinutes >= 1 && span.Seconds == 0 ? Invariant($"{span.TotalMinutes:0}m")
        : Invariant($"{span.TotalSeconds:0.#}s");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
