using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Contracts;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// A worker with secrets answers only its gateways and its operator: inference needs the worker
/// secret (either of the two while it is rotated), the repository rpcs the admin secret; probes stay
/// open. Calls go straight to a real worker on port 0, as a stranger's would.
/// </summary>
public sealed class WorkerAccessFunctionalTests : FunctionalTest, IClassFixture<WorkerAccessFunctionalTests.ClosedWorker>
{
    private static readonly ModelInferRequest s_request = TestRequests.Propensity("propensity", [TestRequests.Row]);
    private readonly ClosedWorker _closed;

    public WorkerAccessFunctionalTests(ClosedWorker closed)
        : base(closed.Logs)
    {
        _closed = closed;
    }

    [Fact]
    public async Task ModelInfer_NoSecret_UnauthenticatedNamingTheHeader()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => StackFixture.Client(_closed.Address).ModelInferAsync(s_request).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("send its worker secret as 'x-mlops-worker-secret' metadata", ex.Status.Detail);
    }

    [Theory]
    [InlineData("tests-wrong-secret-0123456789abcdef")]
    [InlineData(TestSecrets.Worker + "x")]
    [InlineData("tests-worker-secret-0123456789abcde")]
    [InlineData(TestSecrets.Admin)]
    public async Task ModelInfer_WrongSecret_Unauthenticated(string secret)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => TestSecrets.WorkerClient(_closed.Address, secret: secret).ModelInferAsync(s_request).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Theory]
    [InlineData(WorkerHeaders.WorkerSecret, TestSecrets.Worker)]
    [InlineData(WorkerHeaders.WorkerSecret, TestSecrets.NextWorker)]
    [InlineData(WorkerHeaders.AdminSecret, TestSecrets.Admin)]
    public async Task ModelInfer_CurrentNextOrAdminSecret_Answered(string header, string secret)
    {
        var response = await TestSecrets.WorkerClient(_closed.Address, header, secret).ModelInferAsync(s_request);

        Assert.Equal("propensity", response.ModelName);
        Assert.Equal(2, response.Outputs.Count);
    }

    [Fact]
    public async Task ModelInfer_SecretSentTwice_Unauthenticated()
    {
        var headers = new Metadata { { WorkerHeaders.WorkerSecret, TestSecrets.Worker }, { WorkerHeaders.WorkerSecret, TestSecrets.Worker } };

        var ex = await Assert.ThrowsAsync<RpcException>(() => StackFixture.Client(_closed.Address).ModelInferAsync(s_request, headers).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task ModelStreamInfer_NoSecret_Unauthenticated()
    {
        using var call = StackFixture.Client(_closed.Address).ModelStreamInfer();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task RepositoryIndex_NoSecret_Unauthenticated()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => StackFixture.Client(_closed.Address).RepositoryIndexAsync(new RepositoryIndexRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("need the admin secret", ex.Status.Detail);
    }

    [Fact]
    public async Task RepositoryModelUnload_WorkerSecretOnly_PermissionDeniedAndTheModelStays()
    {
        var gateway = TestSecrets.WorkerClient(_closed.Address);

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            gateway.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "propensity" }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("send it as 'x-mlops-admin-secret' metadata", ex.Status.Detail);
        Assert.True((await gateway.ModelReadyAsync(new ModelReadyRequest { Name = "propensity" })).Ready);
    }

    [Fact]
    public async Task RepositoryIndex_AdminSecret_Listed()
    {
        var index = await TestSecrets.WorkerClient(_closed.Address, WorkerHeaders.AdminSecret, TestSecrets.Admin).RepositoryIndexAsync(new RepositoryIndexRequest());

        Assert.Contains(index.Models, m => m.Name == "propensity" && m.State == "READY");
    }

    [Fact]
    public async Task Probes_NoSecret_StillAnswered()
    {
        var health = await new Health.HealthClient(GrpcChannel.ForAddress(_closed.Address)).CheckAsync(new HealthCheckRequest());
        using var http = new HttpClient();
        var healthz = await http.GetAsync(_closed.MetricsAddress + MetricsServiceCollectionExtensions.HealthPath);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
    }

    [Fact]
    public async Task ModelsIndex_AdminSecretFile_ListsAndWithoutItRefused()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, TestSecrets.Admin + "\n");

            var (exit, output, _) = await CliRunner.RunAsync("models", "index", "--worker", _closed.Address, "--admin-secret-file", file);
            var (fromEnvironment, _, _) = await CliRunner.RunAsync(new Dictionary<string, string> { ["MLOPS_ADMIN_SECRET"] = TestSecrets.Admin },
                "models", "index", "--worker", _closed.Address);
            var (without, _, error) = await CliRunner.RunAsync("models", "index", "--worker", _closed.Address);

            Assert.Equal(0, exit);
            Assert.Contains("propensity", output);
            Assert.Equal(0, fromEnvironment);
            Assert.Equal(2, without);
            Assert.StartsWith("Unauthenticated: The repository rpcs need the admin secret", error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ModelInfer_ThroughGateway_WorkerSeesOnlyTheGatewaysInternalHeaders()
    {
        var seen = new ConcurrentQueue<IReadOnlyDictionary<string, string[]>>();
        await using var redis = await TestRedis.ConnectIsolatedAsync();
        var (key, secret) = await new ApiKeyStore(redis).CreateAsync("spoof-" + Guid.NewGuid().ToString("N")[..8], []);
        var logs = NewLogs();
        await using var worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
        {
            o.ModelRepository = _closed.Repository;
            o.WorkerSecrets = [TestSecrets.Worker];
        }, logs.Configure, worker: w => w.Services.AddSingleton<IStartupFilter>(new HeaderRecorder(seen)));
        await worker.StartAsync();
        var workerAddress = ServerEndpoints.GrpcAddress(worker);
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
        {
            o.Workers.Add(workerAddress);
            o.WorkerSecret = TestSecrets.Worker;
        }, logs.Configure);
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, workerAddress);
        var spoofed = new Metadata
        {
            { "x-api-key", secret },
            { "x-mlops-key-id", "someone-else" },
            { "X-Mlops-Worker-Secret", "tests-spoofed-secret-0123456789abcdef" },
            { "x-mlops-admin-secret", TestSecrets.Admin },
            { "x-mlops-shadow", "1" },
            { "x-mlops-anything", "else" },
            { "x-mlops-call-id", "spoofed" },
        };

        var response = await StackFixture.Client(ServerEndpoints.GrpcAddress(gateway)).ModelInferAsync(s_request, spoofed);

        Assert.Equal("propensity", response.ModelName);
        var headers = Assert.Single(seen);
        Assert.Equal(new[] { key.Id }, headers["x-mlops-key-id"]);
        Assert.Equal(new[] { TestSecrets.Worker }, headers[WorkerHeaders.WorkerSecret]);
        // The call's id is the gateway's, one per call (the same on a retry), never the caller's.
        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(headers[WorkerHeaders.CallId]));
        Assert.Equal(new[] { WorkerHeaders.CallId, "x-mlops-key-id", WorkerHeaders.WorkerSecret }, headers.Keys.Where(k => k.StartsWith(WorkerHeaders.Prefix, StringComparison.Ordinal)).Order());
        await gateway.StopAsync();
        await worker.StopAsync();
    }

    /// <summary>Keeps the headers of each ModelInfer call that got past the worker's door.</summary>
    private sealed class HeaderRecorder(ConcurrentQueue<IReadOnlyDictionary<string, string[]>> seen) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, then) =>
            {
                if (context.Request.Path.Value?.EndsWith("/ModelInfer", StringComparison.Ordinal) == true)
                {
                    seen.Enqueue(context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.Select(v => v ?? "").ToArray()));
                }
                return then(context);
            });
            next(app);
        };
    }

    /// <summary>A worker with two worker secrets (the current and the next) and an admin secret.</summary>
    public sealed class ClosedWorker : IAsyncLifetime
    {
        public LogCollector Logs { get; } = new();

        public string Repository { get; } = TestModels.NewRepository();

        public WebApplication Worker { get; private set; } = null!;

        public string Address { get; private set; } = "";

        public string MetricsAddress { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
            {
                o.ModelRepository = Repository;
                o.WorkerSecrets = [TestSecrets.Worker, TestSecrets.NextWorker];
                o.AdminSecrets = [TestSecrets.Admin];
            }, Logs.Configure, new IPEndPoint(IPAddress.Loopback, 0));
            await Worker.StartAsync();
            Address = ServerEndpoints.GrpcAddress(Worker);
            MetricsAddress = ServerEndpoints.MetricsAddress(Worker)!;
        }

        public async Task DisposeAsync()
        {
            await Worker.DisposeAsync();
            Directory.Delete(Repository, recursive: true);
        }
    }
}
