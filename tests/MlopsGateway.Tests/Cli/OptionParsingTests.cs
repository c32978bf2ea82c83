using MlopsGateway.Cli;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary>
/// Bad values are refused by the parser, naming the option, before a command runs (exit code 1), and
/// the root help states the exit codes.
/// </summary>
public class OptionParsingTests
{
    [Theory]
    [InlineData("gateway --port 70000", "--port '70000' is not a port; give 0-65535 (0 picks a free one).")]
    [InlineData("worker --models . --metrics-port 65536", "--metrics-port '65536' is not a port")]
    [InlineData("up --gateway-port http", "--gateway-port 'http' is not a port")]
    [InlineData("gateway --bind somewhere", "--bind 'somewhere' is not an IP address; use 127.0.0.1, 0.0.0.0 or ::.")]
    [InlineData("gateway --worker notaurl", "--worker 'notaurl' is not an absolute address")]
    [InlineData("worker --models . --advertise 10.0.0.5", "--advertise '10.0.0.5' is not an http:// or https:// address")]
    [InlineData("predict --gateway notaurl --model m --input x=[1]", "--gateway 'notaurl' is not an http:// or https:// address, e.g. http://127.0.0.1:5000.")]
    [InlineData("models index --worker localhost", "--worker 'localhost' is not an http:// or https:// address")]
    [InlineData("loadtest --model m --duration 5x", "--duration '5x' is not a duration; write e.g. 10s, 500ms, 2m.")]
    [InlineData("loadtest --model m --shape 1,a", "--shape '1,a' is not name=d0,d1,..., e.g. input=1,3,224,224.")]
    [InlineData("loadtest --model m --rate 10,fast", "--rate '10,fast' is not a comma-separated list of numbers, e.g. 100,500.")]
    [InlineData("loadtest --model m --metrics ftp://10.0.0.5/metrics", "--metrics 'ftp://10.0.0.5/metrics' is not an http:// or https:// address")]
    [InlineData("loadtest --model m --connections 65", "--connections must be between 1 and 64, not 65.")]
    [InlineData("loadtest --model m --concurrency 0", "Concurrency must be between 1 and 10000: 0.")]
    [InlineData("loadtest --model m --inputs baseline --shift visits_30d=3", "--shift 'visits_30d=3': give the change a sign (+3 or -3) to add it")]
    [InlineData("loadtest --model m --shift visits_30d=+1sd", "--shift moves features of rows drawn from a baseline; add --inputs baseline.")]
    [InlineData("loadtest --model m --inputs baseline --input-file rows.csv", "Give --inputs baseline or --input-file, not both.")]
    [InlineData("token create --subject s --ttl 0", "--ttl must be longer than 0.")]
    [InlineData("predict --model m --input x=[1] --traceparent 00-abc-def-01", "--traceparent '00-abc-def-01' is not a W3C traceparent")]
    [InlineData("predict --model m --input x=[1] --timeout 0", "--timeout must be above 0 and at most 86400 seconds, not 0.")]
    public async Task Parse_BadValue_RefusedByTheParserNamingTheOption(string commandLine, string message)
    {
        var args = commandLine.Split(' ');

        var parsed = MlopsCommand.Create().Parse(args);
        var (exit, _, error) = await CliRunner.RunAsync(args);

        Assert.Contains(parsed.Errors, e => e.Message.StartsWith(message, StringComparison.Ordinal));
        Assert.Equal(1, exit);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Parse_TypedValues_ReachTheHandlerParsed()
    {
        var parsed = MlopsCommand.Create().Parse(["loadtest", "--model", "m", "--shape", "input=1,3,224,224", "--shape", "mask=1,224",
            "--metrics", "http://127.0.0.1:9101", "--rate", "100,250.5", "--duration", "1m"]);

        Assert.Empty(parsed.Errors);
        var shapes = parsed.GetValue<IReadOnlyDictionary<string, long[]>>("--shape")!;
        Assert.Equal([1L, 3, 224, 224], shapes["input"]);
        Assert.Equal([1L, 224], shapes["mask"]);
        // An address without a path means the worker's page.
        Assert.Equal("http://127.0.0.1:9101/metrics", parsed.GetValue<Uri?>("--metrics")!.ToString());
        Assert.Equal([100, 250.5], parsed.GetValue<double[]?>("--rate")!);
    }

    [Fact]
    public async Task Help_Root_StatesTheExitCodes()
    {
        var (exit, output, _) = await CliRunner.RunAsync("--help");

        Assert.Equal(0, exit);
        Assert.Contains("Exit codes: 0 done; 1 refused:", output);
        Assert.Contains("2 a call failed on the other side", output);
    }
}
