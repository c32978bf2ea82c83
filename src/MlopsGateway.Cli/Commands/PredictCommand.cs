using System.CommandLine;
using System.Text.Json;
using Inference;
using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops predict</c>: one ModelInfer call, inputs as JSON, outputs printed as JSON.</summary>
internal static class PredictCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var call = new GatewayCallOptions(environment);
        var routingKey = new Option<string?>("--routing-key")
        {
            Description = "Sent as x-routing-key: with a canary route, one routing key (a customer id, say) keeps getting one version while the weight stays put.",
        };
        var model = new Option<string>("--model") { Description = "Model name.", Required = true };
        var version = new Option<string?>("--version") { Description = "Model version; left out, the gateway's route decides." };
        var inputs = new Option<string[]>("--input")
        {
            Description = "An input as name=JSON, nested arrays give the shape: features=[[3, 12.5, 2, 14, 4]]. Repeat for several inputs.",
            Required = true,
        };
        var traceParent = TypedOptions.TraceParent("--traceparent",
            "Sent as the calls' W3C traceparent, so that the gateway's and the worker's spans continue the caller's trace.");
        var raw = new Option<bool>("--raw") { Description = "Send tensors as raw_input_contents (the answer comes back raw too)." };
        var command = new Command("predict", "Call ModelInfer through the gateway and print the outputs as JSON.")
        {
            call.Gateway, call.ApiKey, call.Token, routingKey, model, version, inputs, raw, call.Timeout, traceParent,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var headers = call.Headers(parse);
            if (parse.GetValue(routingKey) is { Length: > 0 } routing)
            {
                headers.Add("x-routing-key", routing);
            }
            if (parse.GetValue(traceParent) is { } parent)
            {
                headers.Add("traceparent", parent);
            }
            using var channel = call.Channel(parse);
            var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            var deadline = call.Deadline(parse);
            return await GatewayCallOptions.PrintAsync(parse, async () =>
            {
                var metadata = await client.ModelMetadataAsync(
                    new ModelMetadataRequest { Name = parse.GetValue(model)!, Version = parse.GetValue(version) ?? "" },
                    headers, deadline, cancellationToken).ConfigureAwait(false);
                var request = PredictRequestBuilder.Build(metadata, parse.GetValue(version), parse.GetValue(inputs)!, parse.GetValue(raw));
                var response = await client.ModelInferAsync(request, headers, deadline, cancellationToken).ConfigureAwait(false);
                return InferResponseReader.ToJson(response).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            }).ConfigureAwait(false);
        });
        return command;
    }
}
