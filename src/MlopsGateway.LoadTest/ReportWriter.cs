using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsGateway.LoadTest;

/// <summary>Writes a <see cref="LoadReport"/> as JSON (for machines) and markdown (for pull requests and wikis).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The report as indented JSON; latencies in milliseconds.</summary>
    public static string ToJson(LoadReport report) => JsonSerializer.Serialize(report, s_json);

    /// <summary>Reads back what <see cref="ToJson"/> wrote, as a document (the histograms are not in it).</summary>
    public static JsonDocument ParseJson(string json) => JsonDocument.Parse(json);

    /// <summary>The report as markdown: settings, the level table, the worker's split, errors and SLOs.</summary>
    public static string ToMarkdown(LoadReport report)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Load test: {report.Model} at {report.Target}").AppendLine();
        md.AppendLine($"{ReportTable.Settings(report)}. Started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC"
            + (report.Stopped ? "; stopped before every level ran." : ".")).AppendLine();
        AppendTable(md, ReportTable.Levels(report));
        md.AppendLine().AppendLine("Latency of successful requests; ok/s counts successful answers. "
            + $"The load tool used {report.ClientCpuSeconds:0.0} CPU seconds.");

        var server = ReportTable.Server(report);
        if (server.Rows.Count > 0)
        {
            md.AppendLine().AppendLine($"## Worker side ({report.MetricsUrl})").AppendLine();
            AppendTable(md, server);
            md.AppendLine().AppendLine(ReportTable.ServerCaption);
        }
        else if (ReportTable.ServerNote(report) is { } note)
        {
            md.AppendLine().AppendLine(note);
        }

        var failing = report.Levels.Where(l => l.Errors > 0).ToList();
        if (failing.Count > 0)
        {
            md.AppendLine().AppendLine("## Errors").AppendLine();
            foreach (var level in failing)
            {
                foreach (var (status, count) in level.ErrorsByStatus)
                {
                    var message = level.ErrorMessages.TryGetValue(status, out var m) ? $": {m}" : "";
                    md.AppendLine($"- {level.Label}: {status} × {count}{message}");
                }
            }
        }

        if (report.Slo.Count > 0)
        {
            md.AppendLine().AppendLine($"## SLO: {(report.SloMet ? "met" : "missed")}").AppendLine();
            foreach (var outcome in report.Slo)
            {
                md.AppendLine($"- {(outcome.Met ? "✅" : "❌")} {outcome.Message}");
            }
        }
        return md.ToString();
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>, creating its folder.</summary>
    public static void WriteJson(LoadReport report, string path) => Write(path, ToJson(report));

    /// <summary>Writes <see cref="ToMarkdown"/> to <paramref name="path"/>, creating its folder.</summary>
    public static void WriteMarkdown(LoadReport report, string path) => Write(path, ToMarkdown(report));

    /// <summary>Appends a markdown table.</summary>
    public static void AppendTable(StringBuilder md, (string[] Headers, IReadOnlyList<string[]> Rows) table)
    {
        md.AppendLine("| " + string.Join(" | ", table.Headers) + " |");
        md.AppendLine("|" + string.Concat(table.Headers.Select((_, i) => i == 0 ? " --- |" : " ---: |")));
        foreach (var row in table.Rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }
    }

    private static void Write(string path, string text)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        File.WriteAllText(path, text);
    }
}
