using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MlopsGateway.Cli.Commands;
using MlopsGateway.Contracts.Feedback;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Quality;
using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Explanations;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Sketching;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Browser;

/// <summary>
/// What <c>mlops up</c> serves, on real parts, with a history: the sample models pushed into a registry
/// with their baselines (as up does), a worker serving the registry that counts drift sketches and
/// records predictions, a gateway evaluating quality every second, in a namespace of its own in the
/// test Redis; then traffic on both propensity versions and ground-truth labels for some of it, so
/// that every page and every gauge has figures. Shared by a test class (it takes a few seconds).
/// </summary>
public class SampleStackFixture : IAsyncLifetime
{
    /// <summary>Rows sent to each version (above the drift test's minimum of 100).</summary>
    public const int RowsPerVersion = 240;

    /// <summary>Rows per ModelInfer call.</summary>
    public const int RowsPerCall = 20;

    /// <summary>Rows labelled per version.</summary>
    public const int LabelsPerVersion = 60;

    private string _limitedKey = "";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The servers' logs; the class's tests fail on an error nobody expected.</summary>
    public LogCollector Logs { get; } = new() { FailLevel = LogLevel.Error };

    /// <summary>The stack's namespace.</summary>
    public RedisKeys Keys { get; } = RedisTargets.NewKeys("stack");

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public WebApplication Worker { get; private set; } = null!;

    public WebApplication Gateway { get; private set; } = null!;

    /// <summary>The gateway's gRPC address.</summary>
    public string GatewayAddress { get; private set; } = "";

    /// <summary>The gateway's and the worker's HTTP/1.1 metrics listeners.</summary>
    public (string Gateway, string Worker) MetricsAddresses { get; private set; }

    /// <summary>A key with every scope (admin).</summary>
    public string AdminKey { get; private set; } = "";

    /// <summary>A key with the console scope and infer (what a person signing in to try models has).</summary>
    public string ConsoleKey { get; private set; } = "";

    /// <summary>Its id.</summary>
    public string ConsoleKeyId { get; private set; } = "";

    /// <summary>A key that may only call models: the console refuses it.</summary>
    public string InferOnlyKey { get; private set; } = "";

    /// <summary>The registry the stack's worker serves.</summary>
    public ModelRegistry Registry => new(Redis, keys: Keys);

    /// <summary>The stack's baselines.</summary>
    public BaselineStore Baselines => new(Redis, Keys);

    /// <summary>The latest quality evaluation of both propensity versions with drift, accuracy and coverage.</summary>
    public IReadOnlyList<MonitorReport> Reports { get; private set; } = [];

    /// <summary>Adds to the gateway's options (the console's, say) before it starts.</summary>
    protected virtual void ConfigureGateway(GatewayOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        var starting = new VerifyNoErrorsScope(Logs);
        Redis = await TestRedis.ConnectAsync();
        var models = Path.Combine(_root, "models");
        var up = new UpRegistry(Path.Combine(_root, ".mlops"));
        SampleModels.WriteIfEmpty(models);
        await up.PublishAsync(models, Registry, Baselines, TextWriter.Null, CancellationToken.None);
        var store = new ApiKeyStore(Redis, keys: Keys);
        AdminKey = (await store.CreateAsync("stack-admin", [], scopes: [KeyScopes.Admin])).Secret;
        var console = await store.CreateAsync("stack-console", [], scopes: [KeyScopes.Console, KeyScopes.Infer]);
        (ConsoleKey, ConsoleKeyId) = (console.Secret, console.Record.Id);
        InferOnlyKey = (await store.CreateAsync("stack-infer", [])).Secret;
        _limitedKey = (await store.CreateAsync("stack-limited", [], ratePerSecond: 0.01, burst: 1)).Secret;

        Worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
            {
                o.ModelRepository = models;
                o.DrainDelay = TimeSpan.Zero;
                o.WorkerSecrets = [TestSecrets.Worker];
            }, Logs.Configure, new IPEndPoint(IPAddress.Loopback, 0), w =>
            {
                w.AddRedisRegistration(Redis, o =>
                {
                    o.Namespace = Keys.Namespace;
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
                });
                w.AddPredictionRecords(Redis, o => o.Namespace = Keys.Namespace);
                w.AddExplanations(Redis, Keys.Namespace);
                // Flushed by the fixture once its traffic is sent, so the first evaluation sees all of it.
                w.AddDriftSketches(Redis, o =>
                {
                    o.Namespace = Keys.Namespace;
                    o.FlushInterval = TimeSpan.FromHours(1);
                });
                up.Serve(w, Redis, Keys);
            });
        await Worker.StartAsync();
        await Worker.Services.GetRequiredService<SketchService>().RefreshAsync(reread: true);
        Gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), Redis, o =>
            {
                o.Namespace = Keys.Namespace;
                o.WorkerSecret = TestSecrets.Worker;
                o.MonitorInterval = TimeSpan.FromSeconds(1);
                // Each browser test signs in afresh, a class's a dozen within a minute from one address (the limit has tests of its own).
                o.ConsoleSignInsPerMinute = 100;
                // Both versions' labels (2 × 60) can go within one second, over the default 100 a second
                // (seen in CI: the 120th refused); the quota has tests of its own.
                o.FeedbackRate = 1000;
                ConfigureGateway(o);
            }, Logs.Configure, new IPEndPoint(IPAddress.Loopback, 0));
        var evaluated = new TaskCompletionSource<IReadOnlyList<MonitorReport>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var labelled = false;
        Gateway.Services.GetRequiredService<QualityMonitor>().Evaluated += reports =>
        {
            if (Volatile.Read(ref labelled) && reports.Count(r => r.Model == SampleModels.Propensity && r.Rows >= RowsPerVersion && r.Labels >= LabelsPerVersion) == 2)
            {
                evaluated.TrySetResult(reports);
            }
        };
        await Gateway.StartAsync();
        GatewayAddress = ServerEndpoints.GrpcAddress(Gateway);
        MetricsAddresses = (ServerEndpoints.MetricsAddress(Gateway)!, ServerEndpoints.MetricsAddress(Worker)!);
        await StackFixture.WaitForDestinationAsync(Gateway, ServerEndpoints.GrpcAddress(Worker));

        await SendTrafficAsync();
        await Worker.Services.GetRequiredService<SketchService>().FlushAsync();
        Volatile.Write(ref labelled, true);
        Reports = await evaluated.Task.WaitAsync(TimeSpan.FromSeconds(60));
        starting.Dispose();
    }

    /// <summary>Calls like the training rows on both versions, then labels (a rule of the rows, so some disagree with the model) for the first rows of each.</summary>
    private async Task SendTrafficAsync()
    {
        using var channel = GrpcChannel.ForAddress(GatewayAddress);
        var infer = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var feedback = new Feedback.FeedbackClient(channel);
        var key = StackFixture.WithKey(AdminKey);
        var rows = SampleModels.PropensityTraining(RowsPerVersion, seed: 31);
        var predictions = new FeedbackStore(Redis, Keys);
        foreach (var version in new[] { "1", "2" })
        {
            for (var start = 0; start < rows.Count; start += RowsPerCall)
            {
                var request = TestRequests.Propensity(SampleModels.Propensity, [.. rows.Skip(start).Take(RowsPerCall)], version: version);
                request.Id = $"v{version}-{start / RowsPerCall}";
                await infer.ModelInferAsync(request, key);
            }
            var labels = new SubmitBatchRequest();
            for (var row = 0; row < LabelsPerVersion; row++)
            {
                var id = $"v{version}-{row / RowsPerCall}#{row % RowsPerCall}";
                labels.Labels.Add(new SubmitRequest { Model = SampleModels.Propensity, Id = id, Label = rows[row][2] >= 1 ? "purchase" : "no_purchase" });
            }
            var last = labels.Labels[^1].Id;
            await Wait.UntilAsync(async () => await predictions.GetPredictionAsync(SampleModels.Propensity, last) is not null);
            var answer = await feedback.SubmitBatchAsync(labels, key);
            Assert.All(answer.Results, r => Assert.Equal(0, r.Code));
        }
        // Refusals too, so that their counters have series: a key over its quota, and a key nobody issued.
        var one = TestRequests.Propensity(SampleModels.Propensity, [TestRequests.Row]);
        await infer.ModelInferAsync(one, StackFixture.WithKey(_limitedKey));
        var quota = await Assert.ThrowsAsync<RpcException>(async () => await infer.ModelInferAsync(one, StackFixture.WithKey(_limitedKey)));
        Assert.Equal(StatusCode.ResourceExhausted, quota.StatusCode);
        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await infer.ModelInferAsync(one, StackFixture.WithKey("mlk_not-a-key-anyone-issued")));
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await StackFixture.StopAsync(Logs, Redis, _root, Gateway, Worker);
    }
}
