using System.Net;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Auth;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>A key's limit of requests in flight, through a real gateway to a worker that holds every call it gets.</summary>
public sealed class KeyInFlightFunctionalTests : FunctionalTest
{
    [Fact]
    public async Task ModelInfer_KeyAtItsLimitInFlight_ResourceExhaustedUntilOneIsAnswered()
    {
        var logs = NewLogs();
        // Calls cancelled below are logged by the forwarder as they end.
        ExpectLogs(e => e.Level < LogLevel.Critical && (e.Category.StartsWith("Yarp", StringComparison.Ordinal) || e.Event.Name == "UpstreamFailed"), logs);
        await using var redis = await TestRedis.ConnectIsolatedAsync();
        await using var silent = new SilentWorker();
        var store = new ApiKeyStore(redis);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (limitedRecord, limited) = await store.CreateAsync("in-flight-" + suffix, [], maxInFlight: 2);
        var (_, unlimited) = await store.CreateAsync("unlimited-" + suffix, []);
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o => o.Workers.Add(silent.Address), logs.Configure);
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, silent.Address);
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
        var request = TestRequests.Propensity("propensity", [TestRequests.Row]);
        using var first = new CancellationTokenSource();
        using var rest = new CancellationTokenSource();

        var held = new[] { client.ModelInferAsync(request, StackFixture.WithKey(limited), cancellationToken: first.Token).ResponseAsync,
            client.ModelInferAsync(request, StackFixture.WithKey(limited), cancellationToken: rest.Token).ResponseAsync };
        await Wait.UntilAsync(() => silent.RowsReceived == 2);
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(request, StackFixture.WithKey(limited)).ResponseAsync);
        var other = client.ModelInferAsync(request, StackFixture.WithKey(unlimited), cancellationToken: rest.Token).ResponseAsync;
        await Wait.UntilAsync(() => silent.RowsReceived == 3);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal($"API key 'in-flight-{suffix}' ({limitedRecord.Id}) already has 2 requests in flight, its limit. Retry once one of them is answered.", refused.Status.Detail);

        // One answered (here: cancelled), and its place is free again.
        await first.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => held[0]);
        var limiter = gateway.Services.GetRequiredService<InFlightLimiter>();
        await Wait.UntilAsync(() => limiter.Available(new CallerIdentity(limitedRecord.Id, "", [], null, null, 2)) == 1);
        var again = client.ModelInferAsync(request, StackFixture.WithKey(limited), cancellationToken: rest.Token).ResponseAsync;
        await Wait.UntilAsync(() => silent.RowsReceived == 4);

        await rest.CancelAsync();
        foreach (var call in new Task[] { held[1], other, again })
        {
            await Assert.ThrowsAsync<RpcException>(() => call);
        }
        await gateway.StopAsync();
    }
}
