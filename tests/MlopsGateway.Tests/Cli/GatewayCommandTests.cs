using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary><c>mlops gateway</c>'s options are checked before anything starts.</summary>
public class GatewayCommandTests
{
    [Fact]
    public async Task Invoke_ShadowGatherNotADuration_RefusedNamingTheOption()
    {
        var (exit, _, error) = await CliRunner.RunAsync("gateway", "--shadow-gather", "soon", "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("--shadow-gather 'soon' is not a duration; write e.g. 10ms, 0.", error);
    }

    [Fact]
    public async Task Help_ShadowGather_DefaultShownAsADuration()
    {
        var (exit, output, _) = await CliRunner.RunAsync("gateway", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--shadow-gather <duration>", output);
        Assert.Contains("[default: 50ms]", output);
    }
}
