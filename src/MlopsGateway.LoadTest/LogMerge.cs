using Grpc.Core;
using HdrHistogram;
using MlopsGateway.LoadTest.Internal;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Combines the <c>--hdr-log</c> files of agents that ran the same plan at the same time into one
/// report, as if one client had sent all their load: per level, every agent's measured histograms
/// added, failures by status added, and the level's time from the first agent's first measured
/// interval to the last one's end (so throughput is the fleet's); the timeline aligned by absolute
/// time into buckets of the sample interval.
/// </summary>
public static class LogMerge
{
    /// <summary>The combined report (no SLO outcomes: the caller checks its own objectives).</summary>
    /// <exception cref="ArgumentException">No logs, or logs of different plans; the message names the files and what differs.</exception>
    public static LoadReport Merge(IReadOnlyList<AgentLog> logs)
    {
        if (logs.Count == 0)
        {
            throw new ArgumentException("No logs to merge.", nameof(logs));
        }
        CheckSamePlan(logs);
        var first = logs[0];
        var intervals = logs.SelectMany(l => l.Intervals).ToList();
        var levels = new List<LevelResult>();
        for (var level = 0; level < first.Labels.Count; level++)
        {
            var measured = intervals.Where(i => i.Level == level && !i.Warmup).ToList();
            if (measured.Count == 0)
            {
                continue;
            }
            var total = Sum(measured.Where(i => i.Status == StatusCode.OK));
            var failed = measured.Where(i => i.Status != StatusCode.OK).ToList();
            var ok = total.TotalCount;
            var seconds = (measured.Max(i => i.End) - measured.Min(i => i.Start)).TotalSeconds;
            levels.Add(new LevelResult
            {
                Index = level,
                Label = first.Labels[level],
                Value = first.Values[level],
                Requests = ok + failed.Sum(i => i.Latencies.TotalCount),
                Ok = ok,
                ErrorsByStatus = new SortedDictionary<string, long>(
                    failed.GroupBy(i => i.Status.ToString()).ToDictionary(g => g.Key, g => g.Sum(i => i.Latencies.TotalCount)), StringComparer.Ordinal),
                ErrorMessages = new SortedDictionary<string, string>(
                    failed.Where(i => i.Message.Length > 0).GroupBy(i => i.Status.ToString()).ToDictionary(g => g.Key, g => g.First().Message), StringComparer.Ordinal),
                WarmupRequests = intervals.Where(i => i.Level == level && i.Warmup).Sum(i => i.Latencies.TotalCount),
                DurationSeconds = seconds,
                RowsPerSecond = seconds <= 0 ? 0 : ok * (double)first.Header.RowsPerRequest / seconds,
                Latency = LatencySummary.From(total),
                Histogram = total,
            });
        }
        var startedAt = logs.Min(l => l.Header.StartedAt);
        return first.Header with
        {
            Target = string.Join(", ", logs.Select(l => l.Header.Target).Distinct(StringComparer.Ordinal)),
            StartedAt = startedAt,
            Levels = levels,
            Timeline = Timeline(intervals, startedAt, first.SampleInterval),
            Stopped = logs.Any(l => !l.Finished) || levels.Count < first.Labels.Count,
            ClientCpuSeconds = 0,
        };
    }

    private static void CheckSamePlan(IReadOnlyList<AgentLog> logs)
    {
        var first = logs[0];
        (string Name, Func<AgentLog, string> Value)[] fields =
        [
            ("model", l => l.Header.Model), ("version", l => l.Header.Version), ("mode", l => l.Header.Mode.ToString()),
            ("arrival", l => l.Header.Mode == LoadMode.Open ? l.Header.Arrival.ToString() : ""), ("rows per request", l => l.Header.RowsPerRequest.ToString()),
            ("levels", l => string.Join(", ", l.Labels)), ("sample interval", l => l.SampleInterval.ToString()),
        ];
        var problems = new List<string>();
        foreach (var log in logs.Skip(1))
        {
            foreach (var (name, value) in fields)
            {
                if (value(log) != value(first))
                {
                    problems.Add($"{log.Path} has {name} '{value(log)}' where {first.Path} has '{value(first)}'.");
                }
            }
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("The logs are of different runs; merge combines agents that ran the same plan at the same time. " + string.Join(" ", problems));
        }
    }

    private static IReadOnlyList<TimelinePoint> Timeline(List<LoggedInterval> intervals, DateTimeOffset start, TimeSpan bucket)
    {
        // An interval goes whole to the bucket boundary nearest its end: agents sample on their own
        // clocks, a fraction of an interval apart, and each interval meets the others it overlaps most.
        var width = bucket > TimeSpan.Zero ? bucket : TimeSpan.FromSeconds(1);
        return intervals
            .GroupBy(i => (Bucket: (long)Math.Round((i.End - start) / width, MidpointRounding.AwayFromZero), i.Level, i.Warmup))
            .OrderBy(g => g.Key.Bucket).ThenBy(g => g.Key.Level).ThenBy(g => g.Key.Warmup ? 0 : 1)
            .Select(g =>
            {
                var ok = Sum(g.Where(i => i.Status == StatusCode.OK));
                var errors = g.Where(i => i.Status != StatusCode.OK).Sum(i => i.Latencies.TotalCount);
                var summary = LatencySummary.From(ok);
                return new TimelinePoint(g.Key.Bucket * width.TotalSeconds, g.Key.Level, g.Key.Warmup, ok.TotalCount + errors, errors,
                    ok.TotalCount / width.TotalSeconds, summary.P50, summary.P99, summary.Max);
            })
            .ToList();
    }

    private static HistogramBase Sum(IEnumerable<LoggedInterval> intervals)
    {
        var total = new LongHistogram(1, PhaseRecorder.HighestMicroseconds, 3);
        foreach (var interval in intervals)
        {
            total.Add(interval.Latencies);
        }
        return total;
    }
}
