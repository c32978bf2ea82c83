using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary><c>mlops worker</c> refuses settings it cannot serve with, in words rather than a stack trace.</summary>
public class WorkerCommandTests
{
    [Fact]
    public async Task Invoke_ModelsFolderMissing_RefusedNamingTheOptionWithoutAStackTrace()
    {
        var missing = Path.Combine(Path.GetTempPath(), "mlops-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var (exit, _, error) = await CliRunner.RunAsync("worker", "--models", missing, "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("mlops worker: not started; fix these settings:", error);
        Assert.Contains($"ModelRepository (--models): the folder '{missing}' does not exist.", error);
        Assert.DoesNotContain("OptionsValidationException", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task Invoke_DrainDelayNotADuration_RefusedNamingTheOption()
    {
        var (exit, _, error) = await CliRunner.RunAsync("worker", "--models", Path.GetTempPath(), "--drain-delay", "soon", "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("--drain-delay 'soon' is not a duration; write e.g. 1s, 500ms, 0.", error);
    }
}
