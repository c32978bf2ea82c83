using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HdrHistogram;
using Inference;
using MlopsGateway.Contracts.Explanations;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops explain</c>: one mlops.v1.Explain call through the gateway, the row given as
/// <c>mlops predict</c> takes it; prints each feature's attribution, largest first, with the base
/// value and f(x), or the answer as JSON.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var call = new GatewayCallOptions(environment);
        var model = new Option<string>("--model") { Description = "Model name.", Required = true };
        var version = new Option<string?>("--version") { Description = "Model version or alias; left out, the route's stable version (never its canary), else the latest." };
        var inputs = new Option<string[]>("--input")
        {
            Description = "The row as name=JSON, as mlops predict takes it: features=[3, 12.5, 2, 14, 4]. One row only.",
            Required = true,
        };
        var output = new Option<string?>("--output") { Description = "The output to explain; left out, the model's first FP32 output." };
        var target = new Option<string?>("--class") { Description = "A classifier's class to explain, by name or index; left out, the class the model predicts for the row." };
        var method = new Option<string>("--method")
        {
            Description = "exact: Shapley values over every coalition (up to 16 features); kernel: KernelSHAP's sampled coalitions; auto: exact up to 10 features, kernel beyond.",
            DefaultValueFactory = _ => "auto",
        }.AcceptOnlyFromAmong("auto", "exact", "kernel");
        var background = new Option<int>("--background")
        {
            Description = "Background rows drawn from the version's baseline sample; the attributions explain f(x) minus the mean output over them. 0: the worker's default (100).",
            HelpName = "rows",
        };
        var samples = new Option<int>("--samples") { Description = "KernelSHAP's coalitions. 0: the worker's default (1024).", HelpName = "coalitions" };
        var seed = new Option<long>("--seed") { Description = "Seeds the background draw and KernelSHAP's sampling: the same seed, the same answer." };
        var json = new Option<bool>("--json") { Description = "Print the answer as JSON instead of a table." };
        var repeat = new Option<int>("--repeat")
        {
            Description = "Time the call: after the first (unmeasured: connections, the worker's baseline read warm), make it this many more times one after another and print the latency's p50, p95, p99 and max (HdrHistogram). 0: one call.",
            HelpName = "calls",
        }.Within(0, 1_000_000, "--repeat must be 0 to 1000000, not {0}.");
        var command = new Command("explain",
            "Explain one prediction through the gateway: each feature's Shapley value, its share of f(x) minus the base value (the mean output over background rows from the version's baseline). Needs the 'infer' scope, as predict does.")
        {
            call.Gateway, call.ApiKey, call.Token, model, version, inputs, output, target, method, background, samples, seed, json, repeat, call.Timeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var headers = call.Headers(parse);
            using var channel = call.Channel(parse);
            var deadline = call.Deadline(parse);
            return await GatewayCallOptions.PrintAsync(parse, async () =>
            {
                var metadata = await new GRPCInferenceService.GRPCInferenceServiceClient(channel).ModelMetadataAsync(
                    new ModelMetadataRequest { Name = parse.GetValue(model)!, Version = parse.GetValue(version) ?? "" },
                    headers, deadline, cancellationToken).ConfigureAwait(false);
                var row = PredictRequestBuilder.Build(metadata, parse.GetValue(version), parse.GetValue(inputs)!, raw: false);
                var request = new ExplainRequest
                {
                    ModelName = row.ModelName,
                    ModelVersion = row.ModelVersion,
                    Output = parse.GetValue(output) ?? "",
                    TargetClass = parse.GetValue(target) ?? "",
                    Method = parse.GetValue(method) switch { "exact" => ExplainMethod.Exact, "kernel" => ExplainMethod.Kernel, _ => ExplainMethod.Auto },
                    BackgroundSize = parse.GetValue(background),
                    Samples = parse.GetValue(samples),
                    Seed = parse.GetValue(seed),
                };
                request.Inputs.Add(row.Inputs);
                var client = new Explain.ExplainClient(channel);
                var answer = await client.ExplainAsync(request, headers, deadline, cancellationToken).ConfigureAwait(false);
                var latency = await TimeAsync(parse.GetValue(repeat), async () =>
                    answer = await client.ExplainAsync(request, headers, call.Deadline(parse), cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    var node = ToJson(answer);
                    if (latency is { } timed)
                    {
                        node["latency_ms"] = new JsonObject { ["calls"] = timed.Calls, ["p50"] = timed.Summary.P50, ["p95"] = timed.Summary.P95, ["p99"] = timed.Summary.P99, ["max"] = timed.Summary.Max };
                    }
                    return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
                }
                return Table(answer) + (latency is { } t
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"\nlatency over {t.Calls} calls after one unmeasured: p50 {t.Summary.P50:0.00} ms, p95 {t.Summary.P95:0.00} ms, p99 {t.Summary.P99:0.00} ms, max {t.Summary.Max:0.00} ms")
                    : "");
            }).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs <paramref name="call"/> <paramref name="calls"/> times in a row, its latencies in an HdrHistogram of microseconds; null for none.</summary>
    private static async Task<(int Calls, LatencySummary Summary)?> TimeAsync(int calls, Func<Task> call)
    {
        if (calls == 0)
        {
            return null;
        }
        // Microseconds, 1 µs to 10 minutes, three significant digits.
        var histogram = new LongHistogram(1, 600_000_000, 3);
        for (var i = 0; i < calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call().ConfigureAwait(false);
            histogram.RecordValue(Math.Clamp((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds, 1, 600_000_000));
        }
        return (calls, LatencySummary.From(histogram));
    }

    /// <summary>The features, largest attribution (by magnitude) first.</summary>
    private static IEnumerable<FeatureAttribution> Ranked(ExplainResponse answer) =>
        answer.Attributions.OrderByDescending(a => Math.Abs(a.Attribution)).ThenBy(a => a.Name, StringComparer.Ordinal);

    internal static string Table(ExplainResponse answer)
    {
        var width = Math.Max("feature".Length, answer.Attributions.Select(a => a.Name.Length).DefaultIfEmpty(0).Max());
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"model {answer.ModelName} version {answer.ModelVersion}, output {answer.Output}{(answer.TargetClass.Length > 0 ? $", class {answer.TargetClass}" : "")}\n");
        text.Append(CultureInfo.InvariantCulture, $"{"feature".PadRight(width)}  {"value",12}  {"attribution",12}\n");
        foreach (var a in Ranked(answer))
        {
            text.Append(CultureInfo.InvariantCulture, $"{a.Name.PadRight(width)}  {Number(a.Value),12}  {Signed(a.Attribution),12}\n");
        }
        var sum = answer.Attributions.Sum(a => a.Attribution);
        text.Append(CultureInfo.InvariantCulture, $"base value E[f(background)]  {Number(answer.BaseValue)}\n");
        text.Append(CultureInfo.InvariantCulture, $"f(x)                         {Number(answer.Value)}\n");
        text.Append(CultureInfo.InvariantCulture, $"sum of attributions          {Signed(sum)} (f(x) - base value: {Signed(answer.Value - answer.BaseValue)})\n");
        text.Append(CultureInfo.InvariantCulture,
            $"method {Method(answer.Method)}: {answer.Coalitions} coalitions, {answer.BackgroundRows} background rows, {answer.Evaluations} rows run");
        return text.ToString();
    }

    internal static JsonObject ToJson(ExplainResponse answer) => new()
    {
        ["model"] = answer.ModelName,
        ["version"] = answer.ModelVersion,
        ["id"] = answer.Id,
        ["output"] = answer.Output,
        ["class"] = answer.TargetClass,
        ["value"] = answer.Value,
        ["base_value"] = answer.BaseValue,
        ["method"] = Method(answer.Method),
        ["background_rows"] = answer.BackgroundRows,
        ["coalitions"] = answer.Coalitions,
        ["evaluations"] = answer.Evaluations,
        ["attributions"] = new JsonArray([.. Ranked(answer).Select(a => (JsonNode)new JsonObject
        {
            ["feature"] = a.Name,
            ["value"] = a.Value,
            ["attribution"] = a.Attribution,
        })]),
    };

    private static string Method(ExplainMethod method) => method == ExplainMethod.Exact ? "exact" : method == ExplainMethod.Kernel ? "kernel" : "auto";

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    private static string Signed(double value) => value.ToString("+0.######;-0.######;0", CultureInfo.InvariantCulture);
}
