using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Inference;
using MlopsGateway.Contracts.Explanations;

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
        var command = new Command("explain",
            "Explain one prediction through the gateway: each feature's Shapley value, its share of f(x) minus the base value (the mean output over background rows from the version's baseline). Needs the 'infer' scope, as predict does.")
        {
            call.Gateway, call.ApiKey, call.Token, model, version, inputs, output, target, method, background, samples, seed, json, call.Timeout,
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
                var answer = await new Explain.ExplainClient(channel).ExplainAsync(request, headers, deadline, cancellationToken).ConfigureAwait(false);
                return parse.GetValue(json) ? ToJson(answer).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) : Table(answer);
            }).ConfigureAwait(false);
        });
        return command;
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
