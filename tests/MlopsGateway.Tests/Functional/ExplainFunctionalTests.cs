using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Contracts.Explanations;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Tests.Cli;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Explanations;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Sketching;
using StackExchange.Redis;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// mlops.v1.Explain through a real stack: a worker reading baselines from Redis, a gateway
/// authenticating and routing the call, the propensity model and linear models built with OnnxSharp.
/// </summary>
public sealed class ExplainFunctionalTests : FunctionalTest
{
    private const string Propensity = "propensity";
    private static readonly double[] s_linear4 = [0.5, -1.25, 2, 0.75];

    [Fact]
    public async Task Explain_LinearModel_ExactValuesAreWeightTimesDistanceFromTheBackgroundMean()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var baseline = await stack.Baselines.GetAsync("linear4", "1");
        var request = Request("linear4", [1.5f, -0.5f, 2.25f, 3f]);
        request.BackgroundSize = baseline!.Sample.Count;

        var answer = await stack.Explain.ExplainAsync(request, stack.Caller);

        Assert.Equal((ExplainMethod.Exact, baseline.Sample.Count, 16), (answer.Method, answer.BackgroundRows, answer.Coalitions));
        Assert.Equal("", answer.TargetClass);
        for (var i = 0; i < s_linear4.Length; i++)
        {
            var mean = baseline.Sample.Average(r => (double)r[i]);
            Assert.Equal(s_linear4[i] * (request.Features[$"x{i}"] - mean), answer.Attributions[i].Attribution, 1e-4);
        }
        Assert.Equal(answer.Value - answer.BaseValue, answer.Attributions.Sum(a => a.Attribution), 1e-4);
    }

    [Fact]
    public async Task Explain_Propensity_ExactAttributionsAddUpToThePredictedProbabilityMinusTheBase()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var explain = PropensityRequest("1");
        explain.Id = "why-1";
        var predicted = await stack.Infer.ModelInferAsync(TestRequests.Propensity(Propensity, [TestRequests.Row], version: "1"), stack.Caller);
        var probabilities = TensorValues.ReadOutput(predicted, predicted.Outputs.ToList().FindIndex(o => o.Name == "probabilities"));

        var answer = await stack.Explain.ExplainAsync(explain, stack.Caller);

        Assert.Equal(("1", "why-1", "probabilities", ExplainMethod.Exact), (answer.ModelVersion, answer.Id, answer.Output, answer.Method));
        var predictedClass = probabilities[1] > probabilities[0] ? 1 : 0;
        Assert.Equal(SampleModels.PropensityClasses[predictedClass], answer.TargetClass);
        Assert.Equal(probabilities[predictedClass], answer.Value, 1e-6);
        Assert.Equal(SampleModels.PropensityFeatures, answer.Attributions.Select(a => a.Name));
        Assert.Equal(answer.Value - answer.BaseValue, answer.Attributions.Sum(a => a.Attribution), 1e-4);
        Assert.Equal((100, 32, 1 + 1 + 100 + (30 * 100)), (answer.BackgroundRows, answer.Coalitions, (int)answer.Evaluations));
    }

    [Fact]
    public async Task Explain_TwelveFeatures_KernelShapAddsUpAndMatchesTheLinearModelsExactValues()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var row = Enumerable.Range(0, 12).Select(i => (float)((i % 4) - 1.5)).ToArray();

        var score = await stack.Explain.ExplainAsync(Request("wide12", row, output: "score", background: 40), stack.Caller);
        var probability = await stack.Explain.ExplainAsync(Request("wide12", row, output: "probability", background: 40), stack.Caller);
        var exact = await stack.Explain.ExplainAsync(Request("wide12", row, output: "probability", background: 40, method: ExplainMethod.Exact), stack.Caller);

        Assert.Equal((ExplainMethod.Kernel, ExplainMethod.Kernel, ExplainMethod.Exact), (score.Method, probability.Method, exact.Method));
        Assert.Equal(probability.Value - probability.BaseValue, probability.Attributions.Sum(a => a.Attribution), 1e-4);
        Assert.Equal(score.Value - score.BaseValue, score.Attributions.Sum(a => a.Attribution), 1e-4);
        var exactScore = await stack.Explain.ExplainAsync(Request("wide12", row, output: "score", background: 40, method: ExplainMethod.Exact), stack.Caller);
        for (var i = 0; i < row.Length; i++)
        {
            Assert.Equal(exactScore.Attributions[i].Attribution, score.Attributions[i].Attribution, 1e-3);
            Assert.True(Math.Abs(exact.Attributions[i].Attribution - probability.Attributions[i].Attribution) < 0.05 * exact.Attributions.Max(a => Math.Abs(a.Attribution)),
                $"feature {i}: kernel {probability.Attributions[i].Attribution:F5}, exact {exact.Attributions[i].Attribution:F5}");
        }
    }

    [Fact]
    public async Task Explain_NoVersionWithAFullCanary_TheRoutesStableVersionExplainedWhilePredictionsGoToTheCanary()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var change = await new RouteStore(stack.Redis, keys: stack.Keys).ChangeAsync(Propensity, (_, _) => new RouteRecord("", "1", Canary: "2", CanaryWeight: 100), "tests");
        await Wait.UntilAsync(() => stack.GatewayServices.GetRequiredService<SnapshotCache>().Current.Routes.TryGetValue(Propensity, out var held) && held == change.After);
        var request = PropensityRequest(background: 10);

        var predicted = await stack.Infer.ModelInferAsync(TestRequests.Propensity(Propensity, [TestRequests.Row]), stack.Caller);
        var explained = await stack.Explain.ExplainAsync(request, stack.Caller);

        Assert.Equal(("2", "1"), (predicted.ModelVersion, explained.ModelVersion));
    }

    [Fact]
    public async Task Explain_PerturbedRows_RunInBatchesOfTheVersionsBatcherAtMostItsMaxBatchSize()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var version = stack.Worker.Services.GetRequiredService<ModelRepository>().VersionsOf(Propensity).Single(v => v.Version == "1");
        var (runs, rows) = (version.Batcher.Runs, version.Batcher.RowsRun);
        var request = PropensityRequest("1", background: 50);

        var answer = await stack.Explain.ExplainAsync(request, stack.Caller);

        var (ran, rowsRan) = (version.Batcher.Runs - runs, version.Batcher.RowsRun - rows);
        Assert.Equal(answer.Evaluations, rowsRan);
        Assert.InRange(ran, (answer.Evaluations + version.Batching.MaxBatchSize - 1) / version.Batching.MaxBatchSize, answer.Evaluations);
    }

    [Fact]
    public async Task Explain_WithDriftSketches_OnlyTheTrafficsRowsAreCounted()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var baseline = await stack.Baselines.GetAsync(Propensity, "1");
        var counts = new DriftCountStore(stack.Redis, stack.Keys);
        var now = DateTimeOffset.UtcNow;

        var explained = await stack.Explain.ExplainAsync(PropensityRequest("1", background: 20), stack.Caller);
        await stack.Infer.ModelInferAsync(TestRequests.Propensity(Propensity, [TestRequests.Row, TestRequests.Row, TestRequests.Row], version: "1"), stack.Caller);
        WindowCounts? read = null;
        await Wait.UntilAsync(async () => (read = await counts.ReadAsync(Propensity, "1", now.AddHours(-1), now.AddHours(1), baseline!)).Rows >= 3);

        Assert.Equal(622, explained.Evaluations);
        Assert.Equal(3, read!.Rows);
    }

    [Fact]
    public async Task Explain_Callers_UnauthenticatedWithoutAKeyAndDeniedWithoutTheInferScopeOrTheModel()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var request = Request("linear4", [1, 2, 3, 4]);

        var none = await Refused(stack.Explain.ExplainAsync(request));
        var noScope = await Refused(stack.Explain.ExplainAsync(request, stack.FeedbackOnly));
        var otherModel = await Refused(stack.Explain.ExplainAsync(request, stack.PropensityOnly));
        using var direct = GrpcChannel.ForAddress(ServerEndpoints.GrpcAddress(stack.Worker));
        var stranger = await Refused(new Explain.ExplainClient(direct).ExplainAsync(request));

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, noScope.StatusCode);
        Assert.Contains("lacks the 'infer' scope", noScope.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, otherModel.StatusCode);
        Assert.Contains("may not call model 'linear4'", otherModel.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, stranger.StatusCode);
        Assert.Contains("worker secret", stranger.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_BadRequests_StatusAndAMessageThatSaysWhatToDo()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var shortRow = PropensityRequest("1");
        shortRow.Inputs[0].Shape[1] = 3;
        shortRow.Inputs[0].Contents.Fp32Contents.RemoveAt(4);
        shortRow.Inputs[0].Contents.Fp32Contents.RemoveAt(3);
        var noBaseline = PropensityRequest("2");
        var badClass = Request("wide12", new float[12], output: "probability");
        badClass.TargetClass = "purchase";

        var unknown = await Refused(stack.Explain.ExplainAsync(Request("nosuch", [1]), stack.Caller));
        var width = await Refused(stack.Explain.ExplainAsync(shortRow, stack.Caller));
        var missing = await Refused(stack.Explain.ExplainAsync(noBaseline, stack.Caller));
        var names = await Refused(stack.Explain.ExplainAsync(Request("linear4", [1, 2, 3]), stack.Caller));
        var regressorClass = await Refused(stack.Explain.ExplainAsync(badClass, stack.Caller));

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("'nosuch'", unknown.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, width.StatusCode);
        Assert.Contains("takes one row of 5 features", width.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("must be FP32 [1, 5], not FP32 [1, 3]", width.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, missing.StatusCode);
        Assert.Contains("version 2 has no baseline", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("mlops monitor baseline capture", missing.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, names.StatusCode);
        Assert.Contains("missing: x3", names.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, regressorClass.StatusCode);
        Assert.Contains("has one column", regressorClass.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliExplain_Propensity_TableLargestFirstJsonThatAddsUpAndTimedRepeats()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        string[] call = ["explain", "--gateway", stack.GatewayAddress, "--api-key", stack.CallerSecret, "--model", Propensity, "--version", "1", "--input", "features=[3, 12.5, 2, 14, 4]"];

        var (code, table, _) = await CliRunner.RunAsync(call);
        var (jsonCode, json, _) = await CliRunner.RunAsync([.. call, "--json", "--repeat", "2"]);
        var (refused, _, error) = await CliRunner.RunAsync([.. call[..^1], "features=[3, 12.5]"]);

        Assert.Equal((0, 0, 2), (code, jsonCode, refused));
        var answer = JsonNode.Parse(json)!;
        var attributions = answer["attributions"]!.AsArray().Select(a => (Name: (string)a!["feature"]!, Value: (double)a["attribution"]!)).ToArray();
        Assert.Equal(attributions.OrderByDescending(a => Math.Abs(a.Value)).Select(a => a.Name), attributions.Select(a => a.Name));
        Assert.Equal((double)answer["value"]! - (double)answer["base_value"]!, attributions.Sum(a => a.Value), 1e-4);
        Assert.Equal("exact", (string)answer["method"]!);
        Assert.Equal(2, (int)answer["latency_ms"]!["calls"]!);
        Assert.True((double)answer["latency_ms"]!["p95"]! <= (double)answer["latency_ms"]!["max"]!);
        var lines = table.Split('\n');
        Assert.StartsWith(attributions[0].Name, lines[2], StringComparison.Ordinal);
        Assert.Contains("base value E[f(background)]", table, StringComparison.Ordinal);
        Assert.Contains("method exact: 32 coalitions, 100 background rows", table, StringComparison.Ordinal);
        Assert.Contains("InvalidArgument", error, StringComparison.Ordinal);
    }

    /// <summary>An explanation of <see cref="TestRequests.Row"/> for propensity, the row as ModelInfer's input.</summary>
    private static ExplainRequest PropensityRequest(string version = "", int background = 0)
    {
        var request = new ExplainRequest { ModelName = Propensity, ModelVersion = version, BackgroundSize = background };
        request.Inputs.Add(TestRequests.Propensity(Propensity, [TestRequests.Row]).Inputs);
        return request;
    }

    private static ExplainRequest Request(string model, float[] row, string output = "", int background = 0, ExplainMethod method = ExplainMethod.Auto)
    {
        var request = new ExplainRequest { ModelName = model, Output = output, BackgroundSize = background, Method = method, Seed = 11 };
        for (var i = 0; i < row.Length; i++)
        {
            request.Features[$"x{i}"] = row[i];
        }
        return request;
    }

    private static async Task<RpcException> Refused<T>(AsyncUnaryCall<T> call) => await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

    /// <summary>
    /// y = w·x + 0.25 over <paramref name="weights"/>.Length features as <c>score</c> [batch, 1], and its sigmoid as
    /// <c>probability</c>; a baseline of 200 seeded rows.
    /// </summary>
    private static BaselineProfile WriteLinear(string repository, string model, double[] weights)
    {
        var n = weights.Length;
        new OnnxModelBuilder(model)
            .Input("features", DataType.Float, "batch", n)
            .Initializer("weights", [n, 1], [.. weights.Select(w => (float)w)])
            .Initializer("bias", [1], [0.25f])
            .Node("MatMul", ["features", "weights"], ["product"])
            .Node("Add", ["product", "bias"], ["score"])
            .Node("Sigmoid", ["score"], ["probability"])
            .Output("score", DataType.Float, "batch", 1)
            .Output("probability", DataType.Float, "batch", 1)
            .Save(Path.Combine(repository, model, "1", ModelRepository.ModelFileName));
        var random = new Random(n);
        var rows = Enumerable.Range(0, 200).Select(_ => Enumerable.Range(0, n).Select(_ => (float)Math.Round((random.NextDouble() * 6) - 3, 3)).ToArray()).ToList();
        return BaselineBuilder.Build(new BaselineSpec(model, "1", "features", "training:test.csv", [.. Enumerable.Range(0, n).Select(i => $"x{i}")]), rows);
    }

    /// <summary>A worker serving explanations and a gateway, in a namespace of their own, with three keys.</summary>
    private sealed class Stack : IAsyncDisposable
    {
        private readonly string _repository;
        private readonly WebApplication _gateway;

        private readonly LogCollector _logs;

        private Stack(string repository, ConnectionMultiplexer redis, WebApplication worker, WebApplication gateway, RedisKeys keys, LogCollector logs)
        {
            (_repository, Redis, Worker, _gateway, Keys, _logs) = (repository, redis, worker, gateway, keys, logs);
            GatewayAddress = ServerEndpoints.GrpcAddress(gateway);
            var channel = GrpcChannel.ForAddress(GatewayAddress);
            Infer = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            Explain = new Explain.ExplainClient(channel);
            Baselines = new BaselineStore(redis, keys);
        }

        public WebApplication Worker { get; }

        public ConnectionMultiplexer Redis { get; }

        public RedisKeys Keys { get; }

        public IServiceProvider GatewayServices => _gateway.Services;

        public string GatewayAddress { get; }

        public GRPCInferenceService.GRPCInferenceServiceClient Infer { get; }

        public Explain.ExplainClient Explain { get; }

        public BaselineStore Baselines { get; }

        public Metadata Caller { get; private set; } = [];

        public string CallerSecret { get; private set; } = "";

        public Metadata FeedbackOnly { get; private set; } = [];

        public Metadata PropensityOnly { get; private set; } = [];

        public static async Task<Stack> StartAsync(Func<LogCollector> newLogs)
        {
            var repository = TestModels.NewRepository();
            var linear = WriteLinear(repository, "linear4", s_linear4);
            var wide = WriteLinear(repository, "wide12", [.. Enumerable.Range(0, 12).Select(i => (i % 5) - 2 + (0.1 * i))]);
            var redis = await TestRedis.ConnectAsync();
            var keys = new RedisKeys("ex-" + Guid.NewGuid().ToString("N")[..12]);
            var baselines = new BaselineStore(redis, keys);
            await baselines.SetAsync(PropensityBaseline.Build("1"));
            await baselines.SetAsync(linear);
            await baselines.SetAsync(wide);
            var store = new ApiKeyStore(redis, keys: keys);
            var caller = (await store.CreateAsync("explainer", [])).Secret;
            var feedbackOnly = (await store.CreateAsync("feedback-only", [], scopes: [KeyScopes.Feedback])).Secret;
            var propensityOnly = (await store.CreateAsync("propensity-only", [Propensity])).Secret;
            var logs = newLogs();
            var worker = StackFixture.StartWorker(repository, redis, logs, keys, w => w.AddExplanations(redis, keys.Namespace).AddDriftSketches(redis, o =>
            {
                o.Namespace = keys.Namespace;
                o.FlushInterval = TimeSpan.FromMilliseconds(200);
            }));
            await worker.StartAsync();
            var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
            {
                o.Namespace = keys.Namespace;
                o.WorkerSecret = TestSecrets.Worker;
            }, logs.Configure);
            await gateway.StartAsync();
            await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));
            return new Stack(repository, redis, worker, gateway, keys, logs)
            {
                Caller = StackFixture.WithKey(caller),
                CallerSecret = caller,
                FeedbackOnly = StackFixture.WithKey(feedbackOnly),
                PropensityOnly = StackFixture.WithKey(propensityOnly),
            };
        }

        public async ValueTask DisposeAsync() => await StackFixture.StopAsync(_logs, Redis, _repository, _gateway, Worker);
    }
}
