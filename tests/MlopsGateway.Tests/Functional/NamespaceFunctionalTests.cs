using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>Two deployments, each a gateway and a worker in a namespace of its own, on one Redis.</summary>
public sealed class NamespaceFunctionalTests : FunctionalTest
{
    [Fact]
    public async Task TwoNamespaces_OneRedis_EachGatewayServesItsOwnKeysAndWorkersOnly()
    {
        var logs = Watch(new LogCollector { FailLevel = LogLevel.Warning });
        var repository = TestModels.NewRepository();
        await using var redis = await TestRedis.ConnectAsync();
        var (a, b) = (RedisTargets.NewKeys("a"), RedisTargets.NewKeys("b"));
        var keyA = (await new ApiKeyStore(redis, keys: a).CreateAsync("in-a", [])).Secret;
        var keyB = (await new ApiKeyStore(redis, keys: b).CreateAsync("in-b", [])).Secret;
        await using var worker = StackFixture.StartWorker(repository, redis, logs, a);
        await worker.StartAsync();
        await using var gatewayA = Start(redis, a, logs);
        await using var gatewayB = Start(redis, b, logs);
        await gatewayA.StartAsync();
        await gatewayB.StartAsync();
        await StackFixture.WaitForDestinationAsync(gatewayA, ServerEndpoints.GrpcAddress(worker));

        var request = TestRequests.Propensity("propensity", [TestRequests.Row]);
        var clientA = StackFixture.Client(ServerEndpoints.GrpcAddress(gatewayA));
        var clientB = StackFixture.Client(ServerEndpoints.GrpcAddress(gatewayB));

        Assert.Equal("propensity", (await clientA.ModelInferAsync(request, StackFixture.WithKey(keyA))).ModelName);
        var refusedInA = await Assert.ThrowsAsync<RpcException>(async () => await clientA.ModelInferAsync(request, StackFixture.WithKey(keyB)));
        Assert.Equal(StatusCode.Unauthenticated, refusedInA.StatusCode);
        var refusedInB = await Assert.ThrowsAsync<RpcException>(async () => await clientB.ModelInferAsync(request, StackFixture.WithKey(keyA)));
        Assert.Equal(StatusCode.Unauthenticated, refusedInB.StatusCode);
        // B knows its own key but no worker: a's worker is not discovered there.
        var snapshotB = gatewayB.Services.GetRequiredService<SnapshotCache>().Current;
        Assert.NotNull(snapshotB.Keys.Find(keyB));
        Assert.Empty(snapshotB.Workers);

        var (listedA, workersA, _) = await CliRunner.RunAsync("workers", "--redis", TestRedis.Address, "--namespace", a.Namespace);
        var (listedB, workersB, _) = await CliRunner.RunAsync("workers", "--redis", TestRedis.Address, "--namespace", b.Namespace);
        Assert.Equal((0, 0), (listedA, listedB));
        Assert.Contains(ServerEndpoints.GrpcAddress(worker).TrimEnd('/'), workersA, StringComparison.Ordinal);
        Assert.Contains("No worker is registered", workersB, StringComparison.Ordinal);

        await gatewayA.StopAsync();
        await gatewayB.StopAsync();
        await worker.StopAsync();
        TryDelete(repository);
    }

    private static WebApplication Start(StackExchange.Redis.IConnectionMultiplexer redis, RedisKeys keys, LogCollector logs) =>
        GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
        {
            o.Namespace = keys.Namespace;
            o.WorkerSecret = TestSecrets.Worker;
        }, logs.Configure);

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
