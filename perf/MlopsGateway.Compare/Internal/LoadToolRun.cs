using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Compare.Internal;

/// <summary>One closed-loop level of <c>mlops loadtest</c>, with the CPU each server process spent over it.</summary>
internal static partial class LoadToolRun
{
    /// <summary>
    /// Runs the load tool and reads its JSON report (<paramref name="json"/>; its output goes beside
    /// it as <c>.log</c>) into one row; a failed row names the log when no report was written.
    /// </summary>
    public static async Task<PathResult> RunAsync(
        string mlops, string model, string path, string target, int concurrency, TimeSpan warmup, TimeSpan duration, string json,
        (string Name, int Pid, bool Children)[] processes, IEnumerable<string> extra, CancellationToken cancellationToken)
    {
        List<string> arguments =
        [
            "loadtest", "--target", target, "--model", model, "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture),
            "--warmup", DurationText.Format(warmup), "--duration", DurationText.Format(duration), "--json", json, .. extra,
        ];
        File.Delete(json);
        var before = processes.Select(p => ProcCpu.Seconds(p.Pid, p.Children)).ToArray();
        var loadtest = await ChildProcess.StartAppAsync(mlops, arguments, Path.ChangeExtension(json, ".log"), null, TimeSpan.Zero,
            line => { if (ProgressLine().IsMatch(line)) { Console.WriteLine("      " + line.Trim()); } }).ConfigureAwait(false);
        using (loadtest)
        {
            await loadtest.WaitAsync(warmup + duration + TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        }
        var cpu = processes.Select((p, i) => (p.Name, ProcCpu.Seconds(p.Pid, p.Children) - before[i])).ToArray();
        if (!File.Exists(json))
        {
            return PathResult.Failed(model, path, $"the load tool wrote no report; see {Path.ChangeExtension(json, ".log")}");
        }
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json, cancellationToken).ConfigureAwait(false));
        var level = document.RootElement.GetProperty("levels")[0];
        var latency = level.GetProperty("latency");
        var errors = level.GetProperty("errors").GetInt64();
        return new PathResult(model, path, level.GetProperty("throughput").GetDouble(), latency.GetProperty("p50").GetDouble(),
            latency.GetProperty("p99").GetDouble(), level.GetProperty("requests").GetInt64() + level.GetProperty("warmup_requests").GetInt64(),
            errors, cpu, document.RootElement.GetProperty("client_cpu_seconds").GetDouble(),
            errors > 0 ? $"{errors} errors: {Whitespace().Replace(level.GetProperty("error_messages").GetRawText(), " ")}" : null)
        {
            BatchSize = Number(level, "server", "batch_size"),
            MeasuredCounts = Number(level, "server", "requests") is { } counted ? (level.GetProperty("requests").GetInt64(), (long)counted) : null,
        };
    }

    /// <summary>A number nested in the report JSON, or null when the worker's metrics left it out.</summary>
    private static double? Number(JsonElement element, string parent, string name) =>
        element.TryGetProperty(parent, out var inner) && inner.ValueKind == JsonValueKind.Object
        && inner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    [GeneratedRegex(@"^\s+c=\d+\s")]
    private static partial Regex ProgressLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
