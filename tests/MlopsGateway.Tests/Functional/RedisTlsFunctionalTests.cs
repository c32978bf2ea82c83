using System.Net;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// Redis over TLS: Debian's redis-server serving TLS only (<c>--tls-port</c>) with a test CA's
/// certificate, reached through StackExchange.Redis's <c>ssl=true</c> (or <c>rediss://</c>) trusting that CA.
/// </summary>
public sealed class RedisTlsFunctionalTests : FunctionalTest
{
    [Fact]
    public async Task GatewayAndWorker_RedisOverTls_WorkerDiscoveredAndCallsServed()
    {
        using var certificates = TestCertificates.Create();
        await using var server = await RedisProcess.StartTlsAsync(certificates);
        await using var redis = await RedisConnector.ConnectAsync($"{server.Address},ssl=true", trustedCaPath: certificates.CaPath);
        var (_, key) = await new ApiKeyStore(redis).CreateAsync("tls-redis", []);
        var repository = TestModels.NewRepository();
        await using var worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
            {
                o.ModelRepository = repository;
                o.DrainDelay = TimeSpan.Zero;
            }, NewLogs().Configure, worker: w => w.AddRedisRegistration(redis, o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(500)));
        await worker.StartAsync();
        // A second connection, in the URI form: the gateway reads keys, routes and workers through it.
        await using var gatewayRedis = await RedisConnector.ConnectAsync($"rediss://{server.Address}", trustedCaPath: certificates.CaPath);
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), gatewayRedis, _ => { }, NewLogs().Configure);
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));

        var response = await StackFixture.Client(ServerEndpoints.GrpcAddress(gateway))
            .ModelInferAsync(TestRequests.Propensity("propensity", [TestRequests.Row], version: "2"), StackFixture.WithKey(key));

        // The server has no cleartext port: keys, the worker's record and the route all came over TLS.
        Assert.Equal(("propensity", "2"), (response.ModelName, response.ModelVersion));
        await gateway.StopAsync();
        await worker.StopAsync();
    }

    [Fact]
    public async Task Connect_RedisCertificateFromAnotherCa_RefusedNamingTls()
    {
        using var certificates = TestCertificates.Create();
        using var other = TestCertificates.Create();
        await using var server = await RedisProcess.StartTlsAsync(certificates);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(
            () => RedisConnector.ConnectAsync($"{server.Address},ssl=true,password=s3cret-pw", trustedCaPath: other.CaPath));

        Assert.Contains("over TLS", refused.Message);
        Assert.DoesNotContain("s3cret-pw", refused.Message);
    }

    [Fact]
    public async Task Connect_CaWithoutTls_RefusedRatherThanSentInClear()
    {
        using var certificates = TestCertificates.Create();

        var refused = await Assert.ThrowsAsync<ArgumentException>(
            () => RedisConnector.ConnectAsync("127.0.0.1:1,password=s3cret-pw", trustedCaPath: certificates.CaPath));

        Assert.Contains("ssl=true", refused.Message);
        Assert.DoesNotContain("s3cret-pw", refused.Message);
    }
}
