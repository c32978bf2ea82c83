using System.Globalization;
using HdrHistogram;
using MlopsGateway.LoadTest.Internal;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Writes a run as an HdrHistogram interval log (HdrHistogram's own <see cref="HistogramLogWriter"/>
/// format, readable by its tools in any language): a start time, then per sample interval of every
/// phase one histogram of the successful latencies and one per failing status, in microseconds,
/// each stamped with its absolute start and end and tagged with its level, phase and status. The
/// first histogram (empty) describes the run and the last (empty) closes it, so that
/// <see cref="AgentLog"/> and <see cref="LogMerge"/> can rebuild the report from logs of several
/// machines. Intervals are written as they are taken, so a run killed midway leaves what it measured.
/// </summary>
public sealed class HdrLogWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly HistogramLogWriter _log;
    private readonly Lock _lock = new();

    /// <summary>Creates (or replaces) <paramref name="path"/> and writes the run's description.</summary>
    /// <param name="path">The log file.</param>
    /// <param name="header">The report's header: target, model, client, inputs, mode, seed, start.</param>
    /// <param name="plan">The plan run: its levels and sample interval.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public HdrLogWriter(string path, LoadReport header, LoadPlan plan)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        _log = new HistogramLogWriter(_file);
        _log.Write(header.StartedAt.UtcDateTime);
        var levels = Enumerable.Range(0, plan.LevelCount).ToList();
        Append(Empty(header.StartedAt, header.StartedAt), LogTag.Format(
        [
            (LogTag.Run, LogTag.Version),
            ("target", header.Target), ("model", header.Model), ("version", header.Version), ("client", header.Client.ToString()),
            ("inputs", header.Inputs), ("mode", plan.Mode.ToString()), ("arrival", plan.Arrival.ToString()),
            ("seed", Text(plan.Seed)), ("rows", Text(plan.RowsPerRequest)),
            ("warmup", Text(plan.Warmup.TotalSeconds)), ("duration", Text(plan.Duration.TotalSeconds)),
            ("interval", Text(plan.SampleInterval.TotalSeconds)),
            ("labels", LogTag.List(levels.Select(plan.LevelLabel))), ("values", LogTag.List(levels.Select(l => Text(plan.LevelValue(l))))),
        ]));
    }

    /// <summary>Writes one interval; pass it as <see cref="LoadRunner.Interval"/>.</summary>
    public void Write(IntervalSample sample)
    {
        var phase = sample.Warmup ? "warmup" : "measured";
        Append(Stamped(sample.Ok, sample), LogTag.Format([("level", Text(sample.Level)), ("phase", phase), ("status", "OK")]));
        foreach (var (status, failed) in sample.Failures.OrderBy(f => f.Key))
        {
            var message = sample.Messages.GetValueOrDefault(status, "");
            Append(Stamped(failed, sample), LogTag.Format([("level", Text(sample.Level)), ("phase", phase), ("status", status.ToString()), ("message", message)]));
        }
    }

    /// <summary>Closes the log with the run's end: the client's CPU seconds and whether it was stopped.</summary>
    public void Finish(LoadReport report)
    {
        var end = report.Timeline.Count > 0 ? report.StartedAt.AddSeconds(report.Timeline[^1].Seconds) : report.StartedAt;
        Append(Empty(end, end), LogTag.Format([(LogTag.Done, LogTag.Version), ("cpu", Text(report.ClientCpuSeconds)), ("stopped", report.Stopped ? "1" : "0")]));
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _log.Dispose();
        _file.Dispose();
    }

    private void Append(HistogramBase histogram, string tag)
    {
        histogram.Tag = tag;
        lock (_lock)
        {
            _log.Append(histogram);
        }
    }

    // A copy: the runner's histogram is its own, and stamping it would change what it holds.
    private static HistogramBase Stamped(HistogramBase histogram, IntervalSample sample)
    {
        var copy = histogram.Copy();
        copy.StartTimeStamp = sample.Start.ToUnixTimeMilliseconds();
        copy.EndTimeStamp = sample.End.ToUnixTimeMilliseconds();
        return copy;
    }

    private static HistogramBase Empty(DateTimeOffset start, DateTimeOffset end) => new LongHistogram(1, PhaseRecorder.HighestMicroseconds, 3)
    {
        StartTimeStamp = start.ToUnixTimeMilliseconds(),
        EndTimeStamp = end.ToUnixTimeMilliseconds(),
    };

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
