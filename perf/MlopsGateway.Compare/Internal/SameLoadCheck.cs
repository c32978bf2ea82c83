using System.Globalization;
using System.Text;
using System.Text.Json;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Compare.Internal;

/// <summary>
/// The load tool and h2load on the same worker at the same time, each sending the same saved
/// request at the same fixed rate, well below saturation: both see the same server, so their
/// percentiles should agree, and the worker's own answer-time histogram (scraped by the load tool
/// around its measurement, so it holds both tools' requests) bounds them from below. h2load prints
/// no percentiles; they are computed here from its per-request log (<c>--log-file</c>).
/// </summary>
internal sealed class SameLoadCheck(string mlops, string h2load, string work, Action<string> log)
{
    /// <summary>One model's rows of the table, or a line saying why it was skipped.</summary>
    public async Task<string> RunAsync(string model, string frame, double rate, TimeSpan warmup, TimeSpan duration,
        string workerAddress, string workerMetrics)
    {
        if (!File.Exists(h2load) || !File.Exists(frame))
        {
            return $"| {model} | skipped: {(File.Exists(h2load) ? "no saved request" : $"{h2load} not found (apt-get install nghttp2-client)")} | | | | | | |";
        }
        var requests = (int)Math.Round(rate * duration.TotalSeconds);
        log(string.Create(CultureInfo.InvariantCulture,
            $"Same load, same time: {model} at {rate:0.#} requests/s from mlops loadtest and {rate:0.#}/s from h2load, {requests} each, on the worker"));
        var json = Path.Combine(work, $"sameload-{model}.json");
        var h2log = Path.Combine(work, $"sameload-{model}-h2load.tsv");
        File.Delete(h2log);
        var rateText = rate.ToString(CultureInfo.InvariantCulture);
        using var loadtest = await ChildProcess.StartAppAsync(mlops,
            ["loadtest", "--target", workerAddress, "--model", model, "--rate", rateText, "--warmup", DurationText.Format(warmup),
             "--duration", DurationText.Format(duration), "--metrics", workerMetrics, "--json", json],
            Path.ChangeExtension(json, ".log"), null, TimeSpan.Zero);
        // h2load starts once the load tool's warm-up is over (its start-up takes well under a second more).
        await Task.Delay(warmup + TimeSpan.FromSeconds(0.5)).ConfigureAwait(false);
        using var h2 = await ChildProcess.StartAsync(h2load,
            ["-n", requests.ToString(CultureInfo.InvariantCulture), "-c", "1", "-m", "32", "--rps", rateText, "-d", frame,
             "-H", "content-type: application/grpc", "-H", "te: trailers", $"--log-file={h2log}",
             $"{workerAddress}/inference.GRPCInferenceService/ModelInfer"], Path.ChangeExtension(h2log, ".log"), null, TimeSpan.Zero);
        var limit = warmup + duration + TimeSpan.FromMinutes(2);
        await Task.WhenAll(loadtest.WaitAsync(limit), h2.WaitAsync(limit)).ConfigureAwait(false);
        if (!File.Exists(json) || !File.Exists(h2log))
        {
            return $"| {model} | failed: see {Path.ChangeExtension(json, ".log")} and {Path.ChangeExtension(h2log, ".log")} | | | | | | |";
        }

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json).ConfigureAwait(false));
        var level = document.RootElement.GetProperty("levels")[0];
        var latency = level.GetProperty("latency");
        var tool = (Count: level.GetProperty("ok").GetInt64(), P50: latency.GetProperty("p50").GetDouble(),
            P90: latency.GetProperty("p90").GetDouble(), P99: latency.GetProperty("p99").GetDouble(), Max: latency.GetProperty("max").GetDouble());
        // h2load's log: start time (µs since the epoch), HTTP status, µs to the end of the answer; one line per request.
        var h2Latencies = File.ReadLines(h2log).Select(l => l.Split('\t')).Where(f => f.Length >= 3 && f[1] == "200")
            .Select(f => double.Parse(f[2], CultureInfo.InvariantCulture) / 1000).Order().ToArray();
        var md = new StringBuilder();
        var load = string.Create(CultureInfo.InvariantCulture, $"{rate:0.#}/s from each tool, together, {DurationText.Format(duration)}");
        md.AppendLine(Row(model, load, "mlops loadtest", tool.Count, tool.P50, tool.P90, tool.P99, tool.Max));
        md.AppendLine(h2Latencies.Length == 0
            ? $"| {model} | {load} | h2load | no successful request; see {Path.ChangeExtension(h2log, ".log")} | | | | |"
            : Row(model, load, "h2load (its per-request log)", h2Latencies.Length, Percentile(h2Latencies, 50), Percentile(h2Latencies, 90),
                Percentile(h2Latencies, 99), h2Latencies[^1]));
        if (level.TryGetProperty("server", out var server) && server.ValueKind == JsonValueKind.Object
            && server.TryGetProperty("request", out var answer) && answer.ValueKind == JsonValueKind.Object)
        {
            md.AppendLine(Row(model, load, "the worker's own answer time (both tools)", answer.GetProperty("count").GetInt64(),
                answer.GetProperty("p50").GetDouble(), answer.GetProperty("p90").GetDouble(), answer.GetProperty("p99").GetDouble(), null));
        }
        if (h2Latencies.Length > 0)
        {
            log(string.Create(CultureInfo.InvariantCulture,
                $"  p50/p90/p99 ms: mlops loadtest {tool.P50:0.###}/{tool.P90:0.###}/{tool.P99:0.###}, h2load {Percentile(h2Latencies, 50):0.###}/{Percentile(h2Latencies, 90):0.###}/{Percentile(h2Latencies, 99):0.###}"));
        }
        return md.ToString().TrimEnd();
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    internal static double Percentile(IReadOnlyList<double> sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string Row(string model, string load, string source, long count, double p50, double p90, double p99, double? max) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {model} | {load} | {source} | {count:N0} | {p50:N3} | {p90:N3} | {p99:N3} | {(max is { } m ? m.ToString("N3", CultureInfo.InvariantCulture) : "-")} |");
}
