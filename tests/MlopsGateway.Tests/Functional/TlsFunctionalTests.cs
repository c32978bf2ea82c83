using System.Net;
using Inference;
using Microsoft.AspNetCore.Builder;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// Real gateways and workers on loopback port 0 serving gRPC over TLS with certificates of a test CA:
/// callers get answers over TLS, a gateway reaches an https:// worker trusting that CA alone, and a
/// certificate replaced on disk is what the next connection gets.
/// </summary>
public sealed class TlsFunctionalTests : FunctionalTest
{
    private static readonly float[] s_row = TestRequests.Row;

    [Fact]
    public async Task GatewayAndWorker_OverTls_AnswerCallers_GatewayReachingTheHttpsWorker()
    {
        using var certificates = TestCertificates.Create();
        await using var redis = await TestRedis.ConnectIsolatedAsync();
        var key = await NewKeyAsync(redis);
        var (worker, workerAddress) = await StartTlsWorkerAsync(certificates);
        await using var _ = worker;
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
            {
                o.Workers.Add(workerAddress);
                o.WorkerCaPath = certificates.CaPath;
            }, NewLogs().Configure, tls: ServerCertificate.FromPemFiles(certificates.CertificatePath, certificates.KeyPath));
        await gateway.StartAsync();
        var gatewayAddress = ServerEndpoints.GrpcAddress(gateway);

        Assert.StartsWith("https://", workerAddress, StringComparison.Ordinal);
        Assert.StartsWith("https://", gatewayAddress, StringComparison.Ordinal);
        var seen = new List<string>();
        var direct = certificates.Client(workerAddress, seen.Add);
        var metadata = await direct.ModelMetadataAsync(new ModelMetadataRequest { Name = "propensity" });
        Assert.Equal(["1", "2"], metadata.Versions);
        // Forwarded over TLS to the worker: the gateway trusted the worker's certificate through --worker-ca alone.
        var response = await certificates.Client(gatewayAddress, seen.Add)
            .ModelInferAsync(TestRequests.Propensity("propensity", [s_row], version: "1"), StackFixture.WithKey(key));
        Assert.Equal(("propensity", "1"), (response.ModelName, response.ModelVersion));
        Assert.Equal(2, response.Outputs.Count);
        Assert.NotEmpty(seen);
        Assert.All(seen, serial => Assert.Equal(certificates.Serial, serial));
        await gateway.StopAsync();
        await worker.StopAsync();
    }

    [Fact]
    public async Task Gateway_HttpsWorkerSignedByAnotherCa_RefusesToForwardToIt()
    {
        using var certificates = TestCertificates.Create();
        using var other = TestCertificates.Create();
        await using var redis = await TestRedis.ConnectIsolatedAsync();
        var key = await NewKeyAsync(redis);
        var (worker, workerAddress) = await StartTlsWorkerAsync(certificates);
        await using var _ = worker;
        var logs = NewLogs();
        // The gateway's failed probes and forwards are what this test is about.
        ExpectLogs(entry => true, logs);
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
            {
                o.Workers.Add(workerAddress);
                o.WorkerCaPath = other.CaPath;
            }, logs.Configure);
        await gateway.StartAsync();

        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => StackFixture.Client(ServerEndpoints.GrpcAddress(gateway))
            .ModelInferAsync(TestRequests.Propensity("propensity", [s_row], version: "1"), StackFixture.WithKey(key)).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.Unavailable, refused.StatusCode);
    }

    [Fact]
    public async Task Certificate_ReplacedOnDisk_NextConnectionGetsTheNewOne()
    {
        using var certificates = TestCertificates.Create();
        var (worker, address) = await StartTlsWorkerAsync(certificates);
        await using var _ = worker;
        var first = certificates.Serial;
        var seen = new List<string>();
        var before = certificates.Client(address, seen.Add);
        Assert.True((await before.ServerLiveAsync(new ServerLiveRequest())).Live);

        var renewed = certificates.WriteServerCertificate();
        // File times tick in milliseconds and a test writes faster than that; a renewal comes later than its predecessor.
        var later = DateTime.UtcNow.AddSeconds(1);
        File.SetLastWriteTimeUtc(certificates.CertificatePath, later);
        File.SetLastWriteTimeUtc(certificates.KeyPath, later);
        var after = certificates.Client(address, seen.Add);
        Assert.True((await after.ServerLiveAsync(new ServerLiveRequest())).Live);

        Assert.NotEqual(first, renewed);
        Assert.Equal([first, renewed], seen);
        // The connection opened before the renewal goes on with its certificate.
        Assert.True((await before.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public async Task Certificate_ReplacedByAHalfWrittenPair_KeepsServingTheLastGoodOne()
    {
        using var certificates = TestCertificates.Create();
        var tls = ServerCertificate.FromPemFiles(certificates.CertificatePath, certificates.KeyPath);
        var first = certificates.Serial;
        var keyBefore = File.ReadAllText(certificates.KeyPath);

        var renewed = certificates.WriteServerCertificate();
        var keyAfter = File.ReadAllText(certificates.KeyPath);
        // The new certificate has landed, its key not yet: the pair does not match.
        File.WriteAllText(certificates.KeyPath, keyBefore);
        File.SetLastWriteTimeUtc(certificates.CertificatePath, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(first, tls.Certificate.SerialNumber);

        // And once the key lands too, the new pair is served.
        File.WriteAllText(certificates.KeyPath, keyAfter);
        File.SetLastWriteTimeUtc(certificates.KeyPath, DateTime.UtcNow.AddSeconds(2));
        Assert.Equal(renewed, tls.Certificate.SerialNumber);
    }

    private static async Task<string> NewKeyAsync(IConnectionMultiplexer redis) =>
        (await new ApiKeyStore(redis).CreateAsync($"tls-{Guid.NewGuid():N}", [])).Secret;

    /// <summary>A started worker serving the test models over TLS with the certificate of <paramref name="certificates"/>, ready.</summary>
    private async Task<(WebApplication Worker, string Address)> StartTlsWorkerAsync(TestCertificates certificates)
    {
        var repository = TestModels.NewRepository();
        var worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
            {
                o.ModelRepository = repository;
                o.DrainDelay = TimeSpan.Zero;
            }, NewLogs().Configure, tls: ServerCertificate.FromPemFiles(certificates.CertificatePath, certificates.KeyPath));
        await worker.StartAsync();
        var address = ServerEndpoints.GrpcAddress(worker);
        // On a connection of its own, so that the tests' clients see every handshake they make.
        await Wait.UntilAsync(async () => (await certificates.Client(address).ServerReadyAsync(new ServerReadyRequest())).Ready);
        return (worker, address);
    }
}
