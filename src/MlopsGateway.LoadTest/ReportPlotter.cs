using ScottPlot;

namespace MlopsGateway.LoadTest;

/// <summary>Draws a <see cref="LoadReport"/> as PNG charts with ScottPlot.</summary>
public static class ReportPlotter
{
    /// <summary>File name of the percentile chart.</summary>
    public const string PercentilesFile = "latency-percentiles.png";

    /// <summary>File name of the over-time chart.</summary>
    public const string TimelineFile = "latency-over-time.png";

    private static readonly (string Label, double Percentile)[] s_percentiles =
        [("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("p99.9", 99.9), ("max", 100)];

    /// <summary>Writes both charts into <paramref name="folder"/> (created if needed); returns their paths.</summary>
    public static IReadOnlyList<string> WritePngs(LoadReport report, string folder, int width = 1000, int height = 560)
    {
        Directory.CreateDirectory(folder);
        var percentiles = Path.Combine(folder, PercentilesFile);
        var timeline = Path.Combine(folder, TimelineFile);
        Percentiles(report).SavePng(percentiles, width, height);
        Timeline(report).SavePng(timeline, width, height);
        return [percentiles, timeline];
    }

    /// <summary>Latency at each percentile, one line per level: the tail's shape as load grows.</summary>
    public static Plot Percentiles(LoadReport report)
    {
        var plot = new Plot();
        var xs = Enumerable.Range(0, s_percentiles.Length).Select(i => (double)i).ToArray();
        foreach (var level in report.Levels.Where(l => l.Ok > 0))
        {
            var line = plot.Add.Scatter(xs, s_percentiles.Select(p => level.Latency.Percentile(p.Percentile)).ToArray());
            line.LegendText = level.Label;
            line.LineWidth = 2;
        }
        plot.Axes.Bottom.SetTicks(xs, s_percentiles.Select(p => p.Label).ToArray());
        plot.Title($"Latency by percentile: {report.Model} at {report.Target}");
        plot.XLabel("percentile");
        plot.YLabel("latency (ms)");
        plot.Axes.SetLimitsY(0, Math.Max(1, report.Levels.Select(l => l.Latency.Max).DefaultIfEmpty(1).Max() * 1.05));
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    /// <summary>Median and 99th percentile per sample interval, throughput on the right axis; each level marked.</summary>
    public static Plot Timeline(LoadReport report)
    {
        var plot = new Plot();
        var points = report.Timeline;
        var xs = points.Select(p => p.Seconds).ToArray();
        if (points.Count > 0)
        {
            var p50 = plot.Add.Scatter(xs, points.Select(p => p.P50Milliseconds).ToArray());
            p50.LegendText = "p50";
            p50.LineWidth = 2;
            var p99 = plot.Add.Scatter(xs, points.Select(p => p.P99Milliseconds).ToArray());
            p99.LegendText = "p99";
            p99.LineWidth = 2;
            var throughput = plot.Add.Scatter(xs, points.Select(p => p.Throughput).ToArray());
            throughput.LegendText = "ok/s (right axis)";
            throughput.LinePattern = LinePattern.Dashed;
            throughput.MarkerSize = 0;
            throughput.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "successful answers per second";
        }
        // Mark where each level starts, warm-up first, so a spike can be tied to its level.
        var previousLevel = -1;
        var previousSeconds = 0.0;
        foreach (var point in points)
        {
            if (point.Level != previousLevel)
            {
                var marker = plot.Add.VerticalLine(previousSeconds);
                marker.Text = report.Levels.FirstOrDefault(l => l.Index == point.Level)?.Label ?? $"level {point.Level + 1}";
                marker.LineWidth = 1;
                marker.LinePattern = LinePattern.Dotted;
                previousLevel = point.Level;
            }
            previousSeconds = point.Seconds;
        }
        plot.Title($"Latency over time: {report.Model} at {report.Target}");
        plot.XLabel("seconds since start (each level: warm-up, then measurement)");
        plot.YLabel("latency (ms)");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
