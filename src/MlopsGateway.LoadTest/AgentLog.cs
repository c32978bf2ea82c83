using System.Globalization;
using Grpc.Core;
using HdrHistogram;
using MlopsGateway.LoadTest.Internal;

namespace MlopsGateway.LoadTest;

/// <summary>One agent's <c>--hdr-log</c> file, read back: the run it describes and its intervals.</summary>
public sealed record AgentLog
{
    /// <summary>The file read.</summary>
    public required string Path { get; init; }

    /// <summary>The run's header as it was written (no levels or timeline).</summary>
    public required LoadReport Header { get; init; }

    /// <summary>Level labels, in order.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    /// <summary>Level values (callers or rates), in order.</summary>
    public required IReadOnlyList<double> Values { get; init; }

    /// <summary>The sample interval the run used.</summary>
    public required TimeSpan SampleInterval { get; init; }

    /// <summary>Every interval written, warm-ups included, in the order written.</summary>
    public required IReadOnlyList<LoggedInterval> Intervals { get; init; }

    /// <summary>Whether the run's end was written (a killed agent leaves it out).</summary>
    public required bool Finished { get; init; }

    /// <summary>
    /// Reads <paramref name="path"/>.
    /// </summary>
    /// <exception cref="FormatException">The file is not a log written by <c>mlops loadtest --hdr-log</c>; the message says why.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static AgentLog Read(string path)
    {
        List<HistogramBase> histograms;
        using (var file = File.OpenRead(path))
        {
            try
            {
                using var reader = new HistogramLogReader(file);
                histograms = reader.ReadHistograms().ToList();
            }
            catch (Exception ex) when (ex is not IOException and not UnauthorizedAccessException)
            {
                // HdrHistogram's reader fails on foreign lines with whatever the parse hit (format, index, argument...).
                throw new FormatException($"{path} is not an HdrHistogram log ({ex.GetType().Name}: {ex.Message}).", ex);
            }
        }
        if (histograms.Count == 0 || LogTag.Parse(histograms[0].Tag) is not { } run || !run.TryGetValue(LogTag.Run, out var version))
        {
            throw new FormatException($"{path} was not written by mlops loadtest --hdr-log: its first histogram does not describe a run.");
        }
        if (version != LogTag.Version)
        {
            throw new FormatException($"{path} has log layout {version}; this mlops reads layout {LogTag.Version}.");
        }
        try
        {
            var intervals = new List<LoggedInterval>();
            var finished = false;
            foreach (var histogram in histograms.Skip(1))
            {
                var tag = LogTag.Parse(histogram.Tag);
                if (tag.ContainsKey(LogTag.Done))
                {
                    finished = true;
                    continue;
                }
                intervals.Add(new LoggedInterval(
                    int.Parse(tag["level"], CultureInfo.InvariantCulture), tag["phase"] == "warmup", Enum.Parse<StatusCode>(tag["status"]),
                    tag.GetValueOrDefault("message", ""), DateTimeOffset.FromUnixTimeMilliseconds(histogram.StartTimeStamp),
                    DateTimeOffset.FromUnixTimeMilliseconds(histogram.EndTimeStamp), histogram));
            }
            var labels = LogTag.ParseList(run["labels"]);
            var values = LogTag.ParseList(run["values"]).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            if (labels.Length != values.Length || intervals.Any(i => i.Level < 0 || i.Level >= labels.Length))
            {
                throw new FormatException("its levels do not match its intervals");
            }
            return new AgentLog
            {
                Path = path,
                Header = new LoadReport
                {
                    Target = run["target"], Model = run["model"], Version = run["version"], Client = Enum.Parse<LoadClientKind>(run["client"]),
                    Inputs = run["inputs"], Mode = Enum.Parse<LoadMode>(run["mode"]), Arrival = Enum.Parse<ArrivalProcess>(run["arrival"]),
                    Seed = int.Parse(run["seed"], CultureInfo.InvariantCulture), RowsPerRequest = int.Parse(run["rows"], CultureInfo.InvariantCulture),
                    WarmupSeconds = Number(run["warmup"]), DurationSeconds = Number(run["duration"]),
                    StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(histograms[0].StartTimeStamp), Levels = [], Timeline = [],
                },
                Labels = labels,
                Values = values,
                SampleInterval = TimeSpan.FromSeconds(Number(run["interval"])),
                Intervals = intervals,
                Finished = finished,
            };
        }
        catch (Exception ex) when (ex is KeyNotFoundException or ArgumentException or FormatException or OverflowException)
        {
            throw new FormatException($"{path} is damaged: {ex.Message}", ex);
        }
    }

    private static double Number(string value) => double.Parse(value, CultureInfo.InvariantCulture);
}
