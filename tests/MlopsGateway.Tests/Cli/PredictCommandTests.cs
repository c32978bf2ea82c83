using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Registry;
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Predict_Int64AboveTwoTo53_SentAndPrintedExactly(bool raw)
    {
        // dtypes doubles each input: 2·(2^53 + 1) = 2^54 + 2, which a double cannot hold (it reads back as 2^54).
        string[] args =
        [
            "predict", "--gateway", stack.GatewayAddress, "--api-key", stack.DtypesOnlyKey, "--model", "dtypes",
            "--input", "x_fp32=[[0.1, 1, 2]]", "--input", "x_fp64=[[0.1, 2]]", "--input", "x_i32=[3]",
            "--input", "x_i64=[[9007199254740993, -9007199254740993]]", "--input", "x_bool=[true]",
        ];
        var (exitCode, output, error) = await CliRunner.RunAsync(raw ? [.. args, "--raw"] : args);

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var outputs = json.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!, o => o.GetProperty("data"));
        Assert.Equal("[18014398509481986,-18014398509481986]", Compact(outputs["y_i64"][0]));
        Assert.Contains("18014398509481986", output);
        Assert.Equal("[0.2,2,4]", Compact(outputs["y_fp32"][0]));
        Assert.Equal("[0.2,4]", Compact(outputs["y_fp64"][0]));
        Assert.Equal("[6]", Compact(outputs["y_i32"]));
        Assert.Equal("[false]", Compact(outputs["y_bool"]));
    }

    private static string Compact(JsonElement element) => JsonSerializer.Serialize(element);

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

    [Fact]
    public async Task Predict_TokenMintedForTheModel_Answered()
    {
        var (mintExit, token, mintError) = await CliRunner.RunAsync(
            "token", "create", "--signing-key", StackFixture.JwtSigningKey, "--subject", "mobile-backend", "--models", "propensity,churn", "--ttl", "5m");
        Assert.True(mintExit == 0, mintError);

        var (exitCode, output, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--token", token.Trim(),
            "--model", "propensity", "--version", "1", "--input", "features=[3, 12.5, 2, 14, 4]");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("propensity", json.RootElement.GetProperty("model_name").GetString());
    }

    [Fact]
    public async Task Predict_TokenMintedForAnotherModel_PermissionDenied()
    {
        var (_, token, _) = await CliRunner.RunAsync("token", "create", "--signing-key", StackFixture.JwtSigningKey, "--subject", "svc", "--models", "churn");

        var (exitCode, _, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--token", token.Trim(),
            "--model", "propensity", "--input", "features=[3, 12.5, 2, 14, 4]");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("PermissionDenied:", error);
    }

    [Fact]
    public async Task TokenCreate_ShortSigningKey_RefusedSayingWhatIsNeeded()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("token", "create", "--signing-key", "short", "--subject", "svc");

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("A signing key of at least 32 characters is needed", error);
    }

    [Theory]
    [InlineData("--rate", "0", "The rate must be a positive number of requests per second, not 0.")]
    [InlineData("--burst", "0", "The burst must be at least 1, not 0.")]
    public async Task TokenCreate_QuotaNoBucketCanHold_RefusedAsForKeys(string option, string value, string message)
    {
        var (exitCode, output, error) = await CliRunner.RunAsync(
            "token", "create", "--signing-key", StackFixture.JwtSigningKey, "--subject", "svc", option, value);

        Assert.Equal(1, exitCode);
        Assert.Empty(output);
        Assert.StartsWith(message, error);
    }

    [Fact]
    public async Task Predict_RoutingKeysOnACanary_EachKeyKeepsOneVersionAndBothAreSeen()
    {
        await new RouteStore(stack.Redis).ChangeAsync("propensity", (_, _) => new RouteRecord("", "1", "2", 50), "tests");
        var snapshot = stack.Gateway.Services.GetRequiredService<SnapshotCache>();
        await Wait.UntilAsync(() => Task.FromResult(snapshot.Current.Routes.ContainsKey("propensity")));
        try
        {
            var seen = new Dictionary<string, HashSet<string>>();
            for (var round = 0; round < 3; round++)
            {
                for (var customer = 0; customer < 12; customer++)
                {
                    var (exitCode, output, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
                        "--routing-key", $"customer-{customer}", "--model", "propensity", "--input", "features=[3, 12.5, 2, 14, 4]");
                    Assert.True(exitCode == 0, error);
                    using var json = JsonDocument.Parse(output);
                    var versions = seen.TryGetValue($"customer-{customer}", out var known) ? known : seen[$"customer-{customer}"] = [];
                    versions.Add(json.RootElement.GetProperty("model_version").GetString()!);
                }
            }

            Assert.All(seen.Values, versions => Assert.Single(versions));
            Assert.Equal(["1", "2"], seen.Values.SelectMany(v => v).Distinct().Order());
        }
        finally
        {
            await new RouteStore(stack.Redis).ChangeAsync("propensity", (_, _) => null, "tests");
        }
    }
}
