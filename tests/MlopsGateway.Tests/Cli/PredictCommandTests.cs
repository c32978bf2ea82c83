using System.Text.Json;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

public sealed class PredictCommandTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task Predict_OneRow_PrintsOutputsAsJson()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
            "--model", "propensity", "--version", "1", "--input", "features=[3, 12.5, 2, 14, 4]");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("1", json.RootElement.GetProperty("model_version").GetString());
        var probabilities = json.RootElement.GetProperty("outputs")[0];
        Assert.Equal("probabilities", probabilities.GetProperty("name").GetString());
        var row = probabilities.GetProperty("data")[0];
        Assert.Equal(1.0, row[0].GetDouble() + row[1].GetDouble(), 5);
    }

    [Fact]
    public async Task Predict_UnknownModel_ExitCode2WithStatus()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
            "--model", "churn", "--input", "x=[1]");
        Assert.Equal(2, exitCode);
        Assert.StartsWith("NotFound: Unknown model 'churn'", error);
    }

    [Fact]
    public async Task Predict_RaggedInput_ExitCode1WithHint()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
            "--model", "propensity", "--input", "features=[[1, 2], [3]]");
        Assert.Equal(1, exitCode);
        Assert.Contains("ragged", error);
    }

    [Fact]
    public async Task Predict_NoKey_ExitCode2Unauthenticated()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--model", "propensity", "--input", "features=[1,2,3,4,5]");
        Assert.Equal(2, exitCode);
        Assert.StartsWith("Unauthenticated:", error);
    }
}
