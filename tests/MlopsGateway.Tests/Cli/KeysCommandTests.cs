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
    public async Task Create_Scopes_PrintedAndListed()
    {
        var name = "cli-scopes-" + Guid.NewGuid().ToString("N")[..10];

        var (created, output, _) = await CliRunner.RunAsync("keys", "create", "--redis", TestRedis.Address, "--name", name, "--scopes", "feedback,infer");
        var (_, list, _) = await CliRunner.RunAsync("keys", "list", "--redis", TestRedis.Address);

        Assert.Equal(0, created);
        Assert.Contains("; scopes: infer,feedback", output, StringComparison.Ordinal);
        var line = Assert.Single(list.Split('\n'), l => l.Contains(name, StringComparison.Ordinal));
        Assert.Contains(" infer,feedback ", line, StringComparison.Ordinal);
        Assert.Contains("SCOPES", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_UnknownScope_RefusedByTheParser()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("keys", "create", "--redis", TestRedis.Address, "--name", "x", "--scopes", "infer,root");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--scopes: 'root' is not a scope; the scopes are infer, feedback, console, admin.", error, StringComparison.Ordinal);
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

    [Fact]
    public async Task CreateUpdateRevoke_ThenAudit_EachListedWithWhoAndNeverTheSecret()
    {
        var name = "cli-audit-" + Guid.NewGuid().ToString("N")[..10];
        var (created, output, _) = await CliRunner.RunAsync("keys", "create", "--redis", TestRedis.Address, "--name", name, "--max-in-flight", "3", "--actor", "alice");
        var secret = output.Split("Secret (shown once, store it now): ")[1].Trim();
        var id = output.Split("Created key ")[1].Split(' ')[0];

        var (updated, updateOutput, _) = await CliRunner.RunAsync("keys", "update", "--redis", TestRedis.Address, id, "--rate", "5", "--actor", "bob");
        var (revoked, _, _) = await CliRunner.RunAsync("keys", "revoke", "--redis", TestRedis.Address, id, "--actor", "carol");
        var (audited, audit, _) = await CliRunner.RunAsync("keys", "audit", "--redis", TestRedis.Address, "--count", "1000");

        Assert.Equal((0, 0, 0, 0), (created, updated, revoked, audited));
        Assert.Contains("at most 3 in flight", output, StringComparison.Ordinal);
        Assert.Contains($"Updated key {id} '{name}'; quota 5/s, burst = rate; at most 3 in flight", updateOutput, StringComparison.Ordinal);
        var mine = audit.Split('\n').Where(l => l.Contains(id, StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, mine.Length);
        Assert.Matches($"revoked +{id} +{name} +carol", mine[0]);
        Assert.Matches($"quota_changed +{id} +{name} +bob; quota 5/s", mine[1]);
        Assert.Matches($"created +{id} +{name} +alice; at most 3 in flight", mine[2]);
        Assert.DoesNotContain(secret, audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_MaxInFlightZero_RefusedSayingWhy()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("keys", "create", "--redis", TestRedis.Address, "--name", "zero", "--max-in-flight", "0");

        Assert.Equal(1, exitCode);
        Assert.Contains("The limit of requests in flight must be at least 1, not 0.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InANamespace_ListedThereOnly()
    {
        var (a, b) = (RedisTargets.NewKeys("a").Namespace, RedisTargets.NewKeys("b").Namespace);

        var (created, _, _) = await CliRunner.RunAsync("keys", "create", "--redis", TestRedis.Address, "--namespace", a, "--name", "only-in-a");
        var (_, inA, _) = await CliRunner.RunAsync("keys", "list", "--redis", TestRedis.Address, "--namespace", a);
        var (_, inB, _) = await CliRunner.RunAsync(new Dictionary<string, string> { ["MLOPS_NAMESPACE"] = b }, "keys", "list", "--redis", TestRedis.Address);

        Assert.Equal(0, created);
        Assert.Contains("only-in-a", inA, StringComparison.Ordinal);
        Assert.Equal("No keys.", inB.Trim());
    }

    [Fact]
    public async Task List_NamespaceBreakingTheRule_RefusedNamingTheRule()
    {
        var (byOption, _, optionError) = await CliRunner.RunAsync("keys", "list", "--redis", TestRedis.Address, "--namespace", "Prod EU");
        var (byVariable, _, variableError) = await CliRunner.RunAsync(
            new Dictionary<string, string> { ["MLOPS_NAMESPACE"] = "a:b" }, "keys", "list", "--redis", TestRedis.Address);

        Assert.Equal((1, 1), (byOption, byVariable));
        Assert.Contains("'Prod EU' is not a namespace", optionError, StringComparison.Ordinal);
        Assert.Contains("'a:b' is not a namespace", variableError, StringComparison.Ordinal);
        Assert.Contains("MLOPS_NAMESPACE", variableError, StringComparison.Ordinal);
    }
}
