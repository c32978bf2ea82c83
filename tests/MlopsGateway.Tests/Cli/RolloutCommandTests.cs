using System.Net;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;

namespace MlopsGateway.Tests.Cli;

/// <summary>
/// <c>mlops rollout</c> against a Redis of its own: the fake workers registered here must not reach
/// other tests' gateways.
/// </summary>
public class RolloutCommandTests(IsolatedRedisFixture isolated) : IClassFixture<IsolatedRedisFixture>
{
    private Task<(int ExitCode, string Output, string Error)> RolloutAsync(string command, string model, params string[] args) =>
        CliRunner.RunAsync(["rollout", command, "--redis", isolated.Address, "--model", model, "--by", "tests", .. args]);

    private async Task<RouteRecord?> RouteAsync(string model)
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        return await new RouteStore(redis).GetAsync(model);
    }

    private async Task<string> RegisterFakeWorkerAsync(params string[] versions)
    {
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        return await FakeWorker.RegisterAsync(redis, "rollout", versions);
    }

    [Fact]
    public async Task Canary_VersionNoRegisteredWorkerServes_RefusedWithTheOptOutNamed()
    {
        var model = await RegisterFakeWorkerAsync("1");

        var (exitCode, _, error) = await RolloutAsync("canary", model, "--version", "2", "--weight", "10");

        Assert.Equal(1, exitCode);
        Assert.Contains($"Canary version '2' of model '{model}' is not served by any registered worker (served: 1)", error);
        Assert.Contains("If static workers (mlops gateway --worker) serve version '2', add --allow-unregistered.", error);
        Assert.Null(await RouteAsync(model));
    }

    [Fact]
    public async Task CanaryThenPromote_AllowUnregistered_ChangedPrintedAndTheUnservedVersionWarned()
    {
        var model = await RegisterFakeWorkerAsync("1");

        var canary = await RolloutAsync("canary", model, "--version", "2", "--weight", "10", "--allow-unregistered");

        Assert.True(canary.ExitCode == 0, canary.Error);
        Assert.Contains("before: no route (latest version)", canary.Output);
        Assert.Contains("after:  stable 1; canary 2 at 10%", canary.Output);
        Assert.Contains($"Warning: no registered worker serves version '2' of model '{model}'", canary.Error);
        Assert.Equal("stable 1; canary 2 at 10%", (await RouteAsync(model))!.Describe());

        // The opt-out is per command: without it, the same check refuses the promotion.
        var strict = await RolloutAsync("promote", model);
        Assert.Equal(1, strict.ExitCode);
        Assert.Equal("stable 1; canary 2 at 10%", (await RouteAsync(model))!.Describe());

        var promote = await RolloutAsync("promote", model, "--allow-unregistered");

        Assert.True(promote.ExitCode == 0, promote.Error);
        Assert.Contains("before: stable 1; canary 2 at 10%", promote.Output);
        Assert.Contains("after:  stable 2", promote.Output);
        Assert.Contains($"Warning: no registered worker serves version '2' of model '{model}'", promote.Error);
        Assert.Equal("stable 2", (await RouteAsync(model))!.Describe());
    }

    [Theory]
    [InlineData("canary", "--weight", "150")]
    [InlineData("shadow", "--percent", "101")]
    public async Task Change_AllowUnregisteredShareOutOfRange_StillRefused(string command, string share, string value)
    {
        var model = "rollout-" + Guid.NewGuid().ToString("N")[..8];

        var (exitCode, _, error) = await RolloutAsync(command, model, "--version", "2", share, value, "--stable", "1", "--allow-unregistered");

        Assert.Equal(1, exitCode);
        Assert.Contains($"must be between 0 and 100 (fractions allowed), not {value}.", error);
        Assert.DoesNotContain("registered worker", error);
        Assert.Null(await RouteAsync(model));
    }

    [Fact]
    public async Task Canary_AllowUnregisteredModelOnlyAStaticWorkerServes_GatewayFollowsTheRoute()
    {
        var repository = TestModels.NewRepository();
        var logs = new LogCollector();
        await using var redis = await RedisConnector.ConnectAsync(isolated.Address);
        var key = StackFixture.WithKey((await new ApiKeyStore(redis).CreateAsync("rollout-static-" + Guid.NewGuid().ToString("N"), [])).Secret);
        // Neither registers: the gateway knows the worker only as a static one (mlops gateway --worker).
        await using var worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o => o.ModelRepository = repository, logs.Configure);
        await worker.StartAsync();
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis,
            o => o.Workers.Add(ServerEndpoints.GrpcAddress(worker)), logs.Configure);
        await gateway.StartAsync();
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
        var request = TestRequests.Propensity("propensity", [TestRequests.Row]);
        // No route: the worker's latest version.
        Assert.Equal("2", (await client.ModelInferAsync(request, key)).ModelVersion);

        var (exitCode, _, error) = await RolloutAsync("canary", "propensity", "--version", "1", "--weight", "100", "--stable", "2", "--allow-unregistered");

        Assert.True(exitCode == 0, error);
        Assert.Contains("Warning: no registered worker serves versions '2', '1' of model 'propensity'", error);
        await Wait.UntilAsync(async () => (await client.ModelInferAsync(request, key)).ModelVersion == "1");
        Assert.Empty(logs.Errors);
        await gateway.StopAsync();
        await worker.StopAsync();
        Directory.Delete(repository, recursive: true);
    }
}
