using System.Globalization;
using MlopsGateway.LoadTest;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MlopsGateway.Cli;

/// <summary>
/// The terminal side of <c>mlops loadtest</c>: a live status line while levels run (redrawn in
/// place on a terminal, a line every few seconds when the output is a file or a pipe), then the
/// result tables.
/// </summary>
internal sealed class LoadTestConsole : IProgress<LoadProgress>
{
    // Redirected output gets a line this often, so CI logs show life without a flood.
    private static readonly TimeSpan s_plainLineInterval = TimeSpan.FromSeconds(5);

    private readonly IAnsiConsole _console;
    private readonly bool _live;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<int, string> _finishedLevels = [];
    private LoadProgress? _latest;
    private LoadProgress? _lastPrinted;
    private DateTime _lastPrintedAt;

    public LoadTestConsole(TextWriter output)
    {
        var isTerminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            // A log file has no width; wrapping tables at 80 columns would only make them unreadable.
            _console.Profile.Width = 200;
        }
        _live = isTerminal;
    }

    public void Begin(LoadReport header)
    {
        _console.MarkupLine($"[bold]mlops loadtest[/] {Markup.Escape(ReportTable.Settings(header))}");
        if (header.MetricsUrl is not null)
        {
            _console.MarkupLine($"worker metrics: {Markup.Escape(header.MetricsUrl)}");
        }
    }

    /// <summary>Runs <paramref name="runner"/>, showing progress until it ends.</summary>
    public async Task<LoadRunResult> RunAsync(LoadRunner runner, CancellationToken cancellationToken)
    {
        var run = runner.RunAsync(cancellationToken);
        if (!_live)
        {
            return await run.ConfigureAwait(false);
        }
        await _console.Live(Status()).AutoClear(true).StartAsync(async context =>
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(250, CancellationToken.None)).ConfigureAwait(false);
                context.UpdateTarget(Status());
            }
        }).ConfigureAwait(false);
        return await run.ConfigureAwait(false);
    }

    public void Report(LoadProgress value)
    {
        lock (_lock)
        {
            _latest = value;
            if (_live)
            {
                // Keep each measured level's last line on screen above the running one.
                if (!value.Warmup && value.Final)
                {
                    _finishedLevels[value.Level] = Line(value);
                }
                return;
            }
            // Plain output: a line on each phase's first sample, every few seconds, and at its end.
            var phaseChanged = _lastPrinted is not { } last || last.Level != value.Level || last.Warmup != value.Warmup;
            var sincePrinted = DateTime.UtcNow - _lastPrintedAt;
            var final = value.Final && sincePrinted >= TimeSpan.FromSeconds(1);
            if (phaseChanged || final || sincePrinted >= s_plainLineInterval)
            {
                _console.WriteLine(Line(value));
                _lastPrinted = value;
                _lastPrintedAt = DateTime.UtcNow;
            }
        }
    }

    public void Warn(string message)
    {
        lock (_lock)
        {
            _console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");
        }
    }

    public void Finish(LoadReport report)
    {
        _console.WriteLine();
        _console.Write(Table(ReportTable.Levels(report), $"{report.Model} at {report.Target}"));
        _console.MarkupLine($"[grey]Latency of successful requests; ok/s counts successful answers. The load tool used {report.ClientCpuSeconds:0.0} CPU seconds.[/]");
        var server = ReportTable.Server(report);
        if (server.Rows.Count > 0)
        {
            _console.Write(Table(server, $"worker side, from {report.MetricsUrl}"));
            _console.MarkupLine($"[grey]{Markup.Escape(ReportTable.ServerCaption)}[/]");
        }
        else if (ReportTable.ServerNote(report) is { } note)
        {
            _console.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
        }
        foreach (var level in report.Levels.Where(l => l.Errors > 0))
        {
            foreach (var (status, count) in level.ErrorsByStatus)
            {
                var message = level.ErrorMessages.TryGetValue(status, out var m) ? $": {m}" : "";
                _console.MarkupLine($"[red]{Markup.Escape(level.Label)}: {status} × {count}[/]{Markup.Escape(message)}");
            }
        }
        foreach (var outcome in report.Slo)
        {
            _console.MarkupLine(outcome.Met ? $"[green]{Markup.Escape(outcome.Message)}[/]" : $"[red]{Markup.Escape(outcome.Message)}[/]");
        }
        if (report.Stopped)
        {
            _console.MarkupLine("[yellow]Stopped before every level ran; the levels above are what was measured.[/]");
        }
    }

    private IRenderable Status()
    {
        lock (_lock)
        {
            var lines = _finishedLevels.Values.Select(l => (IRenderable)new Markup(Markup.Escape(l))).ToList();
            if (_latest is not { } p)
            {
                lines.Add(new Markup("[grey]connecting...[/]"));
            }
            else if (!_finishedLevels.ContainsKey(p.Level))
            {
                lines.Add(new Markup(Markup.Escape(Line(p))));
            }
            return new Rows(lines);
        }
    }

    private static string Line(LoadProgress p)
    {
        var phase = p.Warmup ? "warm-up  " : "measuring";
        var elapsed = Math.Min(p.Elapsed.TotalSeconds, p.PhaseDuration.TotalSeconds);
        // At a phase's end the last interval can be a few milliseconds long; the phase's average says more.
        var throughput = p.Final && p.Elapsed > TimeSpan.Zero ? (p.Requests - p.Errors) / p.Elapsed.TotalSeconds : p.Throughput;
        return string.Create(CultureInfo.InvariantCulture,
            $"  {p.Label,-14} {phase} {elapsed,5:0.0}/{p.PhaseDuration.TotalSeconds:0.#}s  requests {p.Requests,9:N0}  errors {p.Errors,6:N0}  {throughput,9:N1} ok/s  p99 {p.P99Milliseconds,9:N2} ms");
    }

    private static Table Table((string[] Headers, IReadOnlyList<string[]> Rows) data, string title)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)), Border = TableBorder.Rounded };
        for (var i = 0; i < data.Headers.Length; i++)
        {
            var column = new TableColumn(Markup.Escape(data.Headers[i]));
            table.AddColumn(i == 0 || data.Headers[i] == "errors" ? column.LeftAligned() : column.RightAligned());
        }
        foreach (var row in data.Rows)
        {
            table.AddRow(row.Select(c => Markup.Escape(c)).ToArray());
        }
        return table;
    }
}
