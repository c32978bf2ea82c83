using MlopsGateway.Cli;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary>
/// MLOPS_REDIS, MLOPS_API_KEY and MLOPS_JWT_SIGNING_KEY stand in for their options when those are
/// left out; an option given wins; help names each variable and never prints a value read from one.
/// </summary>
public class CliEnvironmentTests
{
    [Fact]
    public async Task KeysList_RedisFromTheEnvironment_Connects()
    {
        var (exit, output, error) = await CliRunner.RunAsync(Env("MLOPS_REDIS", TestRedis.Address), "keys", "list");

        Assert.True(exit == 0, error);
        Assert.True(output.Contains("No keys.", StringComparison.Ordinal) || output.Contains("CREATED (UTC)", StringComparison.Ordinal), output);
    }

    [Fact]
    public async Task KeysList_OptionAndEnvironment_TheOptionWins()
    {
        // The variable names a port nothing listens on: the command succeeds only if it used the option.
        var (exit, _, error) = await CliRunner.RunAsync(Env("MLOPS_REDIS", "127.0.0.1:1,connectTimeout=500"), "keys", "list", "--redis", TestRedis.Address);

        Assert.True(exit == 0, error);
    }

    [Fact]
    public async Task Workers_NeitherOptionNorEnvironment_RefusedByTheParserNamingBoth()
    {
        var (exit, _, error) = await CliRunner.RunAsync("workers");

        Assert.Equal(1, exit);
        Assert.Contains("Option '--redis' is required (or set MLOPS_REDIS).", error);
    }

    [Fact]
    public async Task Gateway_ShortSigningKeyFromTheEnvironment_RefusedWithoutPrintingIt()
    {
        const string secret = "env-secret-too-short";

        var (exit, output, error) = await CliRunner.RunAsync(Env("MLOPS_JWT_SIGNING_KEY", secret),
            "gateway", "--redis", TestRedis.Address, "--port", "0", "--metrics-port", "0");

        Assert.Equal(1, exit);
        Assert.Contains("JwtSigningKey (--jwt-signing-key or MLOPS_JWT_SIGNING_KEY): must be at least 32 bytes", error);
        Assert.DoesNotContain(secret, error + output);
    }

    [Theory]
    [InlineData("predict", "--api-key", "MLOPS_API_KEY")]
    [InlineData("loadtest", "--api-key", "MLOPS_API_KEY")]
    [InlineData("gateway", "--jwt-signing-key", "MLOPS_JWT_SIGNING_KEY")]
    [InlineData("token create", "--signing-key", "MLOPS_JWT_SIGNING_KEY")]
    [InlineData("up", "--redis", "MLOPS_REDIS")]
    [InlineData("gateway", "--redis", "MLOPS_REDIS")]
    [InlineData("worker", "--redis", "MLOPS_REDIS")]
    [InlineData("keys create", "--redis", "MLOPS_REDIS")]
    [InlineData("keys list", "--redis", "MLOPS_REDIS")]
    [InlineData("rollout canary", "--redis", "MLOPS_REDIS")]
    [InlineData("workers", "--redis", "MLOPS_REDIS")]
    public async Task Help_OptionWithAFallback_NamesItsVariableButNotItsValue(string command, string option, string variable)
    {
        const string secret = "value-that-must-not-be-shown-0123456789";

        var (exit, output, _) = await CliRunner.RunAsync(Env(variable, secret), [.. command.Split(' '), "--help"]);

        Assert.Equal(0, exit);
        var start = output.IndexOf("  " + option + " ", StringComparison.Ordinal);
        Assert.True(start >= 0, output);
        var next = output.IndexOf("\n  -", start + 1, StringComparison.Ordinal);
        Assert.Contains(variable, output[start..(next < 0 ? output.Length : next)]);
        Assert.DoesNotContain(secret, output);
    }

    [Fact]
    public void RedisDisplay_PasswordInTheConnectionString_Masked()
    {
        var shown = RedisHandle.Display("10.0.0.7:6379,password=s3cret-pw");

        Assert.Contains("10.0.0.7:6379", shown);
        Assert.DoesNotContain("s3cret-pw", shown);
    }

    private static Dictionary<string, string> Env(string name, string value) => new() { [name] = value };
}
