using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// What a command that calls the gateway takes (its address, an API key or a token, a deadline) and
/// what it makes of them: the call's metadata and a channel. Shared by <c>mlops predict</c> and <c>mlops explain</c>.
/// </summary>
internal sealed class GatewayCallOptions
{
    private readonly CliEnvironment _environment;

    public GatewayCallOptions(CliEnvironment environment)
    {
        _environment = environment;
        ApiKey = environment.FallBack(new Option<string?>("--api-key") { Description = "API key, sent as x-api-key." }, CliEnvironment.ApiKey);
    }

    public Option<Uri?> Gateway { get; } = TypedOptions.HttpAddress("--gateway", "Gateway (or worker) address.", "http://127.0.0.1:5000", "http://127.0.0.1:5000");

    public Option<string?> ApiKey { get; }

    public Option<string?> Token { get; } = new("--token") { Description = "A JWT bearer token instead of an API key (mlops token create mints one), sent as 'authorization: Bearer'." };

    public Option<double> Timeout { get; } = new Option<double>("--timeout") { Description = "Deadline in seconds.", DefaultValueFactory = _ => 30, HelpName = "seconds" }
        .Within(double.Epsilon, 86_400, "--timeout must be above 0 and at most 86400 seconds, not {0}.");

    /// <summary>The options, to add to a command.</summary>
    public IEnumerable<Option> All => [Gateway, ApiKey, Token, Timeout];

    /// <summary>The call's credentials: x-api-key, or authorization: Bearer.</summary>
    public Metadata Headers(ParseResult parse)
    {
        var headers = new Metadata();
        if (_environment.ValueOf(parse, ApiKey) is { Length: > 0 } key)
        {
            headers.Add("x-api-key", key);
        }
        if (parse.GetValue(Token) is { Length: > 0 } bearer)
        {
            headers.Add("authorization", "Bearer " + bearer);
        }
        return headers;
    }

    /// <summary>When the call gives up.</summary>
    public DateTime Deadline(ParseResult parse) => DateTime.UtcNow.AddSeconds(parse.GetValue(Timeout));

    /// <summary>A channel to the gateway; no propagator: a traceparent sent is the one given, never one of this process' own.</summary>
    public GrpcChannel Channel(ParseResult parse) => GrpcChannel.ForAddress(parse.GetValue(Gateway)!, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { ActivityHeadersPropagator = null, EnableMultipleHttp2Connections = true },
        DisposeHttpClient = true,
    });

    /// <summary>
    /// Runs <paramref name="call"/> and writes what it returns to the output: exit 0; a gRPC refusal is
    /// printed as 'STATUS: message' (exit 2), an input the tool could not build as its message (exit 1).
    /// </summary>
    public static async Task<int> PrintAsync(ParseResult parse, Func<Task<string>> call)
    {
        try
        {
            var text = await call().ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync(text).ConfigureAwait(false);
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
    }
}
