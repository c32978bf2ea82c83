using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Contracts.Explanations;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Console.Playground;

/// <summary>
/// The playground's API: the models served now, a version's form (its inputs from ModelMetadata, the
/// feature names and typical values of its baseline), and a prediction and its explanation. Every
/// model call goes to this gateway's own gRPC listener with the signed-in key's secret as
/// <c>x-api-key</c> (kept by <see cref="ConsoleSessions"/>), so it passes the same authentication,
/// scopes, quota and metrics as any caller's; the request is built and the answer written by the
/// code <c>mlops predict</c> uses, so both answer alike.
/// </summary>
internal sealed class PlaygroundApi(ConsoleSessions sessions, SnapshotCache snapshots, IConnectionMultiplexer redis, RedisKeys keys, Microsoft.AspNetCore.Hosting.Server.IServer server) : IDisposable
{
    private readonly Lazy<GrpcChannel> _channel = new(() => GrpcChannel.ForAddress(OwnAddress(server)));

    /// <summary>The models workers serve now, with their versions in order.</summary>
    public object Models()
    {
        var served = snapshots.Current.Workers.SelectMany(w => w.Models)
            .GroupBy(m => m.Model, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var versions = g.Select(m => m.Version).Distinct(StringComparer.Ordinal).ToList();
                versions.Sort(VersionOrder.Compare);
                return new { name = g.Key, versions };
            });
        return new { models = served.ToList() };
    }

    /// <summary>The form of <paramref name="model"/> version <paramref name="version"/>.</summary>
    public Task<IResult> FormAsync(HttpContext http, string? model, string? version) => CallAsync(http, model, version, async (client, headers, metadata) =>
    {
        var baseline = await ReadBaselineAsync(model!, version!).ConfigureAwait(false);
        var inputs = new JsonArray();
        foreach (var input in metadata.Inputs)
        {
            var entry = new JsonObject
            {
                ["name"] = input.Name,
                ["datatype"] = input.Datatype,
                ["shape"] = new JsonArray([.. input.Shape.Select(d => (JsonNode)d)]),
            };
            if (baseline is not null && baseline.Input == input.Name && input.Shape.Count == 2 && input.Shape[1] == baseline.Features.Count)
            {
                entry["features"] = new JsonArray([.. baseline.Features.Select((f, i) => (JsonNode)new JsonObject { ["name"] = f.Name, ["typical"] = Typical(baseline, f, i) })]);
            }
            else
            {
                // No baseline names its columns: an example of the right shape, one row, zeros.
                entry["example"] = Example(input.Shape.Select(d => d < 0 ? 1 : d).ToArray(), 0, input.Datatype == TensorDatatype.Bool);
            }
            inputs.Add(entry);
        }
        return new JsonObject
        {
            ["model"] = model,
            ["version"] = version,
            ["baseline"] = baseline?.Source,
            ["inputs"] = inputs,
            ["outputs"] = new JsonArray([.. metadata.Outputs.Select(o => (JsonNode)$"{o.Name} {o.Datatype} {TensorShape.Format(o.Shape)}")]),
        };
    });

    /// <summary>One ModelInfer of the inputs in <paramref name="call"/>: what <c>mlops predict</c> prints.</summary>
    public Task<IResult> PredictAsync(HttpContext http, PlaygroundCall call) => CallAsync(http, call.Model, call.Version, async (client, headers, metadata) =>
    {
        var request = PredictRequestBuilder.Build(metadata, call.Version, Arguments(call), raw: false);
        var response = await client.ModelInferAsync(request, headers, DateTime.UtcNow.AddSeconds(30)).ConfigureAwait(false);
        return new JsonObject { ["prediction"] = InferResponseReader.ToJson(response) };
    });

    /// <summary>The mlops.v1.Explain of the same row: per-feature attributions that add up to the value less the base.</summary>
    public Task<IResult> ExplainAsync(HttpContext http, PlaygroundCall call) => CallAsync(http, call.Model, call.Version, async (_, headers, metadata) =>
    {
        var row = PredictRequestBuilder.Build(metadata, call.Version, Arguments(call), raw: false);
        var request = new ExplainRequest { ModelName = row.ModelName, ModelVersion = row.ModelVersion };
        request.Inputs.Add(row.Inputs);
        var explain = new Explain.ExplainClient(_channel.Value);
        var response = await explain.ExplainAsync(request, headers, DateTime.UtcNow.AddSeconds(60)).ConfigureAwait(false);
        return new JsonObject
        {
            ["explanation"] = new JsonObject
            {
                ["model_version"] = response.ModelVersion,
                ["output"] = response.Output,
                ["target_class"] = response.TargetClass,
                ["value"] = response.Value,
                ["base_value"] = response.BaseValue,
                ["method"] = response.Method.ToString(),
                ["background_rows"] = response.BackgroundRows,
                ["attributions"] = new JsonArray([.. response.Attributions.Select(a => (JsonNode)new JsonObject
                {
                    ["name"] = a.Name, ["value"] = a.Value, ["attribution"] = a.Attribution,
                })]),
            },
        };
    });

    public void Dispose()
    {
        if (_channel.IsValueCreated)
        {
            _channel.Value.Dispose();
        }
    }

    private async Task<IResult> CallAsync(HttpContext http, string? model, string? version,
        Func<GRPCInferenceService.GRPCInferenceServiceClient, Metadata, ModelMetadataResponse, Task<JsonObject>> call)
    {
        if (string.IsNullOrWhiteSpace(model) || ModelNames.CheckModel(model) is { } badModel)
        {
            return Refused(StatusCodes.Status400BadRequest, $"Pick a model: '{model}' is not a model name.");
        }
        if (string.IsNullOrWhiteSpace(version))
        {
            return Refused(StatusCodes.Status400BadRequest, $"Pick a version of '{model}'.");
        }
        // The secret stays on the server: the browser holds only the session's cookie.
        if (sessions.SecretOf(http.User) is not { } secret)
        {
            return Refused(StatusCodes.Status401Unauthorized, ConsoleAccess.SignInFirst);
        }
        var headers = new Metadata { { "x-api-key", secret } };
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel.Value);
        try
        {
            var metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = model, Version = version }, headers,
                DateTime.UtcNow.AddSeconds(10), http.RequestAborted).ConfigureAwait(false);
            return Results.Json(await call(client, headers, metadata).ConfigureAwait(false), ConsoleJson.Options);
        }
        catch (RpcException ex)
        {
            return Refused(HttpStatus(ex.StatusCode), $"{ex.StatusCode}: {ex.Status.Detail}");
        }
        catch (ArgumentException ex)
        {
            return Refused(StatusCodes.Status400BadRequest, ex.Message);
        }
    }

    private async Task<BaselineProfile?> ReadBaselineAsync(string model, string version)
    {
        try
        {
            return await new BaselineStore(redis, keys).GetAsync(model, version).ConfigureAwait(false);
        }
        catch (ModelRegistryException)
        {
            // A baseline that fails its checks gives no typical values; the form still works.
            return null;
        }
    }

    /// <summary>A value typical of the feature: the median of the baseline's sample, else its mean; for a category, its most common one.</summary>
    internal static double Typical(BaselineProfile baseline, FeatureProfile feature, int column)
    {
        if (feature.Kind == FeatureKind.Categorical && feature.Categories.Count > 0)
        {
            var most = feature.Counts.Take(feature.Categories.Count).Select((c, i) => (c, i)).MaxBy(p => p.c).i;
            if (double.TryParse(feature.Categories[most], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var code))
            {
                return code;
            }
        }
        var values = baseline.Sample.Where(r => r.Count > column && float.IsFinite(r[column])).Select(r => (double)r[column]).ToArray();
        return values.Length > 0 ? MathNet.Numerics.Statistics.Statistics.Median(values) : Math.Round(feature.Mean, 3);
    }

    private static JsonNode Example(long[] shape, int depth, bool boolean)
    {
        if (depth == shape.Length)
        {
            return boolean ? JsonValue.Create(false) : JsonValue.Create(0);
        }
        var array = new JsonArray();
        for (var i = 0; i < Math.Min(shape[depth], 64); i++)
        {
            array.Add(Example(shape, depth + 1, boolean));
        }
        return array;
    }

    private static List<string> Arguments(PlaygroundCall call) =>
        [.. (call.Inputs ?? []).Select(i => $"{i.Key}={i.Value}")];

    private static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };

    private static IResult Refused(int status, string message) => Results.Json(new ConsoleError(message), ConsoleJson.Options, statusCode: status);

    /// <summary>This gateway's gRPC listener (Kestrel lists it first), reached on loopback when it listens on every address.</summary>
    private static string OwnAddress(Microsoft.AspNetCore.Hosting.Server.IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return address.Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal).Replace("://[::]:", "://127.0.0.1:", StringComparison.Ordinal);
    }
}

/// <summary>What the playground sends: the model, the version and each input as JSON (nested arrays give the shape), as <c>mlops predict --input</c> takes them.</summary>
/// <param name="Model">The model.</param>
/// <param name="Version">The version.</param>
/// <param name="Inputs">Input name to its JSON text.</param>
internal sealed record PlaygroundCall(string? Model, string? Version, Dictionary<string, string>? Inputs);
