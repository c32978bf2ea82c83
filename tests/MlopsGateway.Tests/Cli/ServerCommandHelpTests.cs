using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary>The server roles' --help names each tuning option with its unit and default.</summary>
public class ServerCommandHelpTests
{
    [Theory]
    [InlineData("gateway", "--shadow-gather <duration>", "[default: 50ms]")]
    [InlineData("gateway", "--shadow-cpu-limit <percent>", "[default: 90]")]
    [InlineData("worker", "--drain-delay <duration>", "[default: 1s]")]
    [InlineData("gateway", "--metrics-bind <address>", "[default: 127.0.0.1]")]
    [InlineData("worker", "--metrics-bind <address>", "[default: 127.0.0.1]")]
    [InlineData("up", "--metrics-bind <address>", "[default: 127.0.0.1]")]
    public async Task Help_Option_ShownWithItsUnitAndDefault(string command, string option, string fallback)
    {
        var (exit, output, _) = await CliRunner.RunAsync(command, "--help");

        Assert.Equal(0, exit);
        // The option's entry runs from its name to the next option's; the default is printed at its end.
        var start = output.IndexOf("  " + option, StringComparison.Ordinal);
        Assert.True(start >= 0, output);
        var next = output.IndexOf("\n  -", start + 1, StringComparison.Ordinal);
        Assert.Contains(fallback, output[start..(next < 0 ? output.Length : next)]);
    }
}
