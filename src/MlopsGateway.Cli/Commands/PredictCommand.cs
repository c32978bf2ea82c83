using System.CommandLine;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops predict</c>: one ModelInfer call, inputs as JSON, outputs printed as JSON.</summary>
internal static class PredictCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var gateway = TypedOptions.HttpAddress("--gateway", "Gateway (or worker) address.", "http://127.0.0.1:5000", "http://127.0.0.1:5000");
        var apiKey = environment.FallBack(new Option<string?>("--api-key") { Description = "API key, sent as x-api-key." }, CliEnvironment.ApiKey);
        var token = new Option<string?>("--token") { Description = "A JWT bearer token instead of an API key (mlops token create mints one), sent as 'authorization: Bearer'." };
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
        var timeout = new Option<double>("--timeout") { Description = "Deadline in seconds.", DefaultValueFactory = _ => 30, HelpName = "seconds" }
            .Within(double.Epsilon, 86_400, "--timeout must be above 0 and at most 86400 seconds, not {0}.");
        var command = new Command("predict", "Call ModelInfer through the gateway and print the outputs as JSON.")
        {
            gateway, apiKey, token, routingKey, model, version, inputs, raw, timeout, traceParent,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var key = environment.ValueOf(parse, apiKey);
            var headers = new Metadata();
            if (!string.IsNullOrEmpty(key))
            {
                headers.Add("x-api-key", key);
            }
            if (parse.GetValue(token) is { Length: > 0 } bearer)
            {
                headers.Add("authorization", "Bearer " + bearer);
            }
            if (parse.GetValue(routingKey) is { Length: > 0 } routing)
            {
                headers.Add("x-routing-key", routing);
            }
            if (parse.GetValue(traceParent) is { } parent)
            {
                headers.Add("traceparent", parent);
            }
            // No propagator: the traceparent sent is the one given, never one of this process' own.
            using var channel = GrpcChannel.ForAddress(parse.GetValue(gateway)!, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { ActivityHeadersPropagator = null, EnableMultipleHttp2Connections = true },
                DisposeHttpClient = true,
            });
            var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            var deadline = DateTime.UtcNow.AddSeconds(parse.GetValue(timeout));
            try
            {
                var metadata = await client.ModelMetadataAsync(
                    new ModelMetadataRequest { Name = parse.GetValue(model)!, Version = parse.GetValue(version) ?? "" },
                    headers, deadline, cancellationToken).ConfigureAwait(false);
                var request = PredictRequestBuilder.Build(metadata, parse.GetValue(version), parse.GetValue(inputs)!, parse.GetValue(raw));
                var response = await client.ModelInferAsync(request, headers, deadline, cancellationToken).ConfigureAwait(false);
                await parse.InvocationConfiguration.Output.WriteLineAsync(InferResponseReader.ToJson(response).ToJsonString(new JsonSerializerOptions { WriteIndented = true }))
                    .ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (RpcException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"{ex.StatusCode}: {ex.Status.Detail}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }
            catch (ArgumentException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.Refused;
            }
        });
        return command;
    }
}
