using System.CommandLine;
using System.Net;
using MlopsGateway.Cli.Commands;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.WebConsole;

/// <summary><c>--console-port</c>: explained in --help, and the console stays on the metrics port when it is left out.</summary>
public sealed class ConsoleCliTests
{
    [Theory]
    [InlineData("gateway")]
    [InlineData("up")]
    public async Task Help_ConsolePort_ExplainedWithoutADefault(string command)
    {
        var (exit, output, _) = await CliRunner.RunAsync(command, "--help");

        Assert.Equal(0, exit);
        var start = output.IndexOf("  --console-port <port>", StringComparison.Ordinal);
        Assert.True(start >= 0, output);
        var next = output.IndexOf("\n  -", start + 1, StringComparison.Ordinal);
        var entry = output[start..(next < 0 ? output.Length : next)];
        Assert.Contains("web console", entry, StringComparison.Ordinal);
        Assert.DoesNotContain("[default", entry, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("--console-port 0", 0)]
    [InlineData("--console-port 9200", 9200)]
    public void ConsoleEndpoint_GivenOrNot_OwnListenerOnlyWhenGiven(string args, int? port)
    {
        var option = ServerOptions.ConsolePort();
        var parse = new RootCommand { option }.Parse(args);

        var endpoint = ServerOptions.ConsoleEndpoint(parse, option, IPAddress.Loopback);

        Assert.Empty(parse.Errors);
        Assert.Equal(port, endpoint?.Port);
    }

    [Fact]
    public void ConsolePort_NotAPort_RefusedAtParse()
    {
        var option = ServerOptions.ConsolePort();

        var parse = new RootCommand { option }.Parse("--console-port 70000");

        Assert.Contains(parse.Errors, e => e.Message.Contains("is not a port", StringComparison.Ordinal));
    }
}
