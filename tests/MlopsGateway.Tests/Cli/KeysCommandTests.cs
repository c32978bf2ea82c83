using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

public class KeysCommandTests
{
    [Fact]
    public async Task Create_ThenList_SecretPrintedOnceAndNeverListed()
    {
        var name = "cli-" + Guid.NewGuid().ToString("N")[..10];

        var (created, output, _) = await CliRunner.RunAsync("keys", "create", "--redis", TestRedis.Address, "--name", name, "--models", "propensity,dtypes");

        Assert.Equal(0, created);
        var secret = output.Split("Secret (shown once, store it now): ")[1].Trim();
        Assert.StartsWith("mlk_", secret);
        Assert.Contains("for models: propensity, dtypes", output);

        var (listed, list, _) = await CliRunner.RunAsync("keys", "list", "--redis", TestRedis.Address);
        Assert.Equal(0, listed);
        Assert.Contains(name, list);
        Assert.DoesNotContain(secret, list);

        var (revoked, revokeOutput, _) = await CliRunner.RunAsync("keys", "revoke", "--redis", TestRedis.Address, name);
        Assert.Equal(0, revoked);
        Assert.Contains($"'{name}'", revokeOutput);
    }

    [Fact]
    public async Task Revoke_UnknownName_ExitCode1WithHint()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("keys", "revoke", "--redis", TestRedis.Address, "nobody-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(1, exitCode);
        Assert.Contains("'mlops keys list' shows them", error);
    }

    [Fact]
    public async Task Create_RedisUnreachable_ExitCode1NamingTheAddress()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("keys", "create", "--redis", "127.0.0.1:1,connectTimeout=500", "--name", "x");
        Assert.Equal(1, exitCode);
        Assert.Contains("Could not reach Redis at '127.0.0.1:1'", error);
    }
}
