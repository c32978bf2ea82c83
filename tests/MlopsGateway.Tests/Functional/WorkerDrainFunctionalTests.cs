using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inference;
using MlopsGateway.Contracts;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace MlopsGateway.Tests.Functional;

/// <summary>A worker stopping cleanly drains: it says so to probes and gateways while it still answers.</summary>
public sealed class WorkerDrainFunctionalTests : FunctionalTest
{
    [Fact]
    public async Task StopAsync_WhileDraining_AnswersButFailsHealthAndTheGatewayTakesItOut()
    {
        await using var redis = await TestRedis.ConnectIsolatedAsync();
        var repository = TestModels.NewRepository();
        var secret = (await new ApiKeyStore(redis).CreateAsync("drain-" + Guid.NewGuid().ToString("N")[..8], [])).Secret;
        var workerLogs = NewLogs();
        var worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
        {
            o.ModelRepository = repository;
            // Long enough to look at it while it drains.
            o.DrainDelay = TimeSpan.FromSeconds(30);
        }, workerLogs.Configure, new IPEndPoint(IPAddress.Loopback, 0));
        await worker.StartAsync();
        var workerAddress = ServerEndpoints.GrpcAddress(worker);
        var gatewayLogs = NewLogs();
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o => o.Workers.Add(workerAddress), gatewayLogs.Configure);
        await gateway.StartAsync();
        var direct = StackFixture.Client(workerAddress);
        var health = new Health.HealthClient(GrpcChannel.ForAddress(workerAddress));
        using var http = new HttpClient();
        var through = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
        var key = StackFixture.WithKey(secret);
        var request = TestRequests.Propensity(SampleModels.Propensity, [TestRequests.Row]);
        await Wait.UntilAsync(async () => (await through.ModelInferAsync(request, key)).ModelName == SampleModels.Propensity);
        var answered = await direct.ModelInferAsync(request).ResponseHeadersAsync;
        Assert.Null(answered.GetValue(WorkerHeaders.Draining));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stopping = worker.StopAsync(giveUp.Token);
        await Wait.UntilAsync(() => Task.FromResult(workerLogs.Entries.Any(e => e.Event.Name == "WorkerDraining")));

        // Still answering, and saying so.
        var draining = direct.ModelInferAsync(request);
        Assert.Equal("1", (await draining.ResponseHeadersAsync).GetValue(WorkerHeaders.Draining));
        Assert.Equal(SampleModels.Propensity, (await draining).ModelName);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.False((await direct.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(ServerEndpoints.MetricsAddress(worker) + MetricsServiceCollectionExtensions.HealthPath)).StatusCode);

        // Through the gateway: answered, the mark kept from the caller, and the worker out of rotation.
        var call = through.ModelInferAsync(request, key);
        Assert.Null((await call.ResponseHeadersAsync).GetValue(WorkerHeaders.Draining));
        Assert.Equal(SampleModels.Propensity, (await call).ModelName);
        // Passive health runs once the answer has gone back to the caller.
        await Wait.UntilAsync(() => Task.FromResult(gatewayLogs.Entries.Any(
            e => e.Event.Name == "WorkerDraining" && e.Message.Contains(workerAddress.TrimEnd('/'), StringComparison.Ordinal))));
        var proxy = gateway.Services.GetRequiredService<IProxyStateLookup>();
        Assert.NotEmpty(proxy.GetClusters());
        Assert.All(proxy.GetClusters().SelectMany(c => c.Destinations.Values),
            d => Assert.Equal(DestinationHealth.Unhealthy, d.Health.Passive));

        await giveUp.CancelAsync();
        await stopping;
        await worker.DisposeAsync();
        await gateway.StopAsync();
    }
}
