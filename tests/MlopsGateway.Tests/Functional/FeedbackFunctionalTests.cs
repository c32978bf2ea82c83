using System.Net;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Inference;
using Microsoft.AspNetCore.Builder;
using MlopsGateway.Contracts.Feedback;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Gateway;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// Ground truth through a real stack: a worker recording its predictions in Redis, a gateway
/// serving mlops.v1.Feedback, the propensity ONNX model; ids made or kept, labels judged, senders excluded.
/// </summary>
public sealed class FeedbackFunctionalTests : FunctionalTest
{
    private const string Model = "propensity";

    [Fact]
    public async Task ModelInfer_NoId_IdMadeReturnedAndThePredictionRecordedUnderIt()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var request = TestRequests.Propensity(Model, [TestRequests.Row]);
        request.Id = "";

        var answer = await stack.Infer.ModelInferAsync(request, stack.Labeller);

        Assert.Matches("^[0-9a-f]{32}$", answer.Id);
        var recorded = await stack.RecordedAsync(answer.Id);
        var label = answer.Outputs.ToList().FindIndex(o => o.Name == "label");
        Assert.Equal((answer.ModelVersion, (int)TensorValues.ReadOutput(answer, label)[0]), (recorded.Version, recorded.Class!.Value));
        Assert.Equal(2, recorded.Probabilities!.Count);
    }

    [Fact]
    public async Task ModelInfer_RequestId_KeptAndSeveralRowsRecordedById()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var one = TestRequests.Propensity(Model, [TestRequests.Row]);
        one.Id = "order-1";
        var two = TestRequests.Propensity(Model, [TestRequests.Row, [0f, 0f, 0f, 90f, 0f]]);
        two.Id = "batch-7";

        Assert.Equal("order-1", (await stack.Infer.ModelInferAsync(one, stack.Labeller)).Id);
        Assert.Equal("batch-7", (await stack.Infer.ModelInferAsync(two, stack.Labeller)).Id);

        Assert.Equal(1, (await stack.RecordedAsync("order-1")).Class);
        Assert.Equal((1, 0), ((await stack.RecordedAsync("batch-7#0")).Class, (await stack.RecordedAsync("batch-7#1")).Class));
        Assert.Null(await stack.Store.GetPredictionAsync(Model, "batch-7"));
    }

    [Fact]
    public async Task Submit_EachOutcome_TheStatusAPersonCanActOn()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var version = await stack.PredictAsync("labelled-1");
        var request = TestRequests.Propensity(Model, [TestRequests.Row]);

        var accepted = await stack.Feedback.SubmitAsync(new SubmitRequest { Model = Model, Id = "labelled-1", Label = "purchase" }, stack.Labeller);
        var again = await Refused(stack.Feedback.SubmitAsync(new SubmitRequest { Model = Model, Id = "labelled-1", Label = "no_purchase" }, stack.Labeller));
        var unknown = await Refused(stack.Feedback.SubmitAsync(new SubmitRequest { Model = Model, Id = "never-made", Label = "purchase" }, stack.Labeller));
        var badClass = await Refused(stack.Feedback.SubmitAsync(new SubmitRequest { Model = Model, Id = "labelled-1", Label = "maybe" }, stack.Labeller));
        var noScope = await Refused(stack.Feedback.SubmitAsync(new SubmitRequest { Model = Model, Id = "labelled-1", Label = "purchase" }, stack.InferOnly));
        var inferWithoutScope = await Refused(stack.Infer.ModelInferAsync(request, stack.FeedbackOnly).ResponseAsync);

        Assert.Equal(version, accepted.Version);
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        Assert.Contains($"was labelled 'purchase' at ", again.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"by key {stack.LabellerId}", again.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("or it expired", unknown.Status.Detail, StringComparison.Ordinal);
        // The first label is there: a second one is refused before its class is looked at.
        Assert.Equal(StatusCode.AlreadyExists, badClass.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, noScope.StatusCode);
        Assert.Contains("lacks the 'feedback' scope", noScope.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, inferWithoutScope.StatusCode);
        Assert.Contains("lacks the 'infer' scope", inferWithoutScope.Status.Detail, StringComparison.Ordinal);
        var pair = Assert.Single(await stack.Store.ReadLabelledAsync(Model, version, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal((1, stack.LabellerId), (pair.LabelClass, pair.KeyId));
    }

    [Fact]
    public async Task Submit_NotAClass_InvalidArgumentNamingTheClasses()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var version = await stack.PredictAsync("p-1");

        var refused = await Refused(stack.Feedback.SubmitAsync(new SubmitRequest { Model = Model, Id = "p-1", Label = "maybe" }, stack.Labeller));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal($"'maybe' is not a class of model 'propensity' version {version}: give one of its classes: no_purchase, purchase (or an index, 0 to 1).", refused.Status.Detail);
    }

    [Fact]
    public async Task SubmitBatch_OverTheFeedbackQuota_ResourceExhaustedForThoseBeyondIt()
    {
        await using var stack = await Stack.StartAsync(NewLogs, feedbackRate: 2);
        var batch = new SubmitBatchRequest();
        batch.Labels.Add(Enumerable.Range(0, 5).Select(i => new SubmitRequest { Model = Model, Id = $"q-{i}", Label = "1" }));

        var response = await stack.Feedback.SubmitBatchAsync(batch, stack.Labeller);

        // Two tokens: the first two are judged (no such predictions), the rest refused by the quota.
        Assert.Equal([StatusCode.NotFound, StatusCode.NotFound, StatusCode.ResourceExhausted, StatusCode.ResourceExhausted, StatusCode.ResourceExhausted],
            response.Results.Select(r => (StatusCode)r.Code));
        Assert.Contains("over its feedback quota of 2 labels per second", response.Results[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliSendAndExclude_FileOfLabels_SummaryAndTheExcludedSendersLabelsDropOut()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        var version = await stack.PredictAsync("c-1");
        await stack.PredictAsync("c-2");
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "id,label\nc-1,purchase\nc-2,0\nc-3,1\nc-1,1\n");

        var (sent, output, _) = await CliRunner.RunAsync("feedback", "send", "--gateway", stack.GatewayAddress, "--api-key", stack.LabellerSecret, "--model", Model, "--file", file);
        var (excluded, excludeOutput, _) = await CliRunner.RunAsync("feedback", "exclude", "--redis", TestRedis.Address, "--namespace", stack.Keys.Namespace, "--key", stack.LabellerId, "--actor", "alice");
        var after = await stack.Store.ReadLabelledAsync(Model, version, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
        var (undone, _, _) = await CliRunner.RunAsync("feedback", "exclude", "--redis", TestRedis.Address, "--namespace", stack.Keys.Namespace, "--key", stack.LabellerId, "--undo");
        var back = await stack.Store.ReadLabelledAsync(Model, version, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
        File.Delete(file);

        Assert.Equal(1, sent);
        Assert.Contains("4 labels: 2 accepted, 1 already labelled, 1 unknown id, 0 refused", output, StringComparison.Ordinal);
        Assert.Contains("  c-3: NotFound: No prediction of model 'propensity' has id 'c-3'", output, StringComparison.Ordinal);
        Assert.Equal((0, 0), (excluded, undone));
        Assert.Contains($"Labels sent by {stack.LabellerId} are left out", excludeOutput, StringComparison.Ordinal);
        Assert.Empty(after);
        Assert.Equal(["c-1", "c-2"], back.Select(p => p.Id).Order());
        Assert.Equal([("included", "?"), ("excluded", "alice")], (await stack.Store.HistoryAsync()).Select(h => (h.Action, h.By == "alice" ? "alice" : "?")));
    }

    [Fact]
    public async Task CliSendThenMonitorStatus_LabelsForGatewayPredictions_AccuracyAndLogLossEqualADirectComputation()
    {
        await using var stack = await Stack.StartAsync(NewLogs);
        // 24 rows in one request through the gateway: every third one the row the model calls 0, the others 1.
        var request = TestRequests.Propensity(Model, [.. Enumerable.Range(0, 24).Select(i => i % 3 == 0 ? new[] { 0f, 0f, 0f, 90f, 0f } : TestRequests.Row)]);
        request.Id = "acc";
        var answer = await stack.Infer.ModelInferAsync(request, stack.Labeller);
        var predicted = TensorValues.ReadOutput(answer, answer.Outputs.ToList().FindIndex(o => o.Name == "label")).Select(v => (int)v).ToArray();
        var probabilities = TensorValues.ReadOutput(answer, answer.Outputs.ToList().FindIndex(o => o.Datatype == "FP32"));
        await stack.RecordedAsync("acc#23");
        // Every fifth label says the model was wrong.
        var truth = predicted.Select((p, i) => i % 5 == 0 ? 1 - p : p).ToArray();
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file, ["id,label", .. truth.Select((t, i) => $"acc#{i},{t}")]);

        var (sent, sendOutput, _) = await CliRunner.RunAsync("feedback", "send", "--gateway", stack.GatewayAddress, "--api-key", stack.LabellerSecret, "--model", Model, "--file", file);
        var (status, json, statusError) = await CliRunner.RunAsync("monitor", "status", "--redis", TestRedis.Address, "--namespace", stack.Keys.Namespace,
            "--model", Model, "--version", answer.ModelVersion, "--json");
        File.Delete(file);

        Assert.True(sent == 0, sendOutput);
        Assert.Contains("24 labels: 24 accepted", sendOutput, StringComparison.Ordinal);
        Assert.True(status == 0, statusError);
        using var document = JsonDocument.Parse(json);
        var report = Assert.Single(document.RootElement.EnumerateArray().ToArray());
        Assert.Equal((24, 24), (report.GetProperty("labels").GetInt64(), report.GetProperty("predictions").GetInt64()));
        double Figure(string metric) =>
            report.GetProperty("accuracy").EnumerateArray().Single(f => f.GetProperty("metric").GetString() == metric).GetProperty("value").GetDouble();
        Assert.Contains(0, predicted);
        Assert.Contains(1, predicted);
        Assert.Equal(predicted.Zip(truth).Count(p => p.First == p.Second) / 24.0, Figure("accuracy"), 12);
        var logLoss = truth.Select((t, i) => -Math.Log(probabilities[(i * 2) + t])).Average();
        Assert.Equal(logLoss, Figure("log_loss"), 4);
    }

    private static async Task<RpcException> Refused<T>(Task<T> call) => await Assert.ThrowsAsync<RpcException>(() => call);

    private static Task<RpcException> Refused<T>(AsyncUnaryCall<T> call) => Refused(call.ResponseAsync);

    /// <summary>A worker recording predictions and a gateway serving feedback, in a namespace of their own, with three keys.</summary>
    private sealed class Stack : IAsyncDisposable
    {
        private readonly string _repository;
        private readonly ConnectionMultiplexer _redis;
        private readonly WebApplication _worker;
        private readonly WebApplication _gateway;

        private Stack(string repository, ConnectionMultiplexer redis, WebApplication worker, WebApplication gateway, RedisKeys keys)
        {
            (_repository, _redis, _worker, _gateway, Keys) = (repository, redis, worker, gateway, keys);
            GatewayAddress = ServerEndpoints.GrpcAddress(gateway);
            var channel = GrpcChannel.ForAddress(GatewayAddress);
            Infer = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            Feedback = new Feedback.FeedbackClient(channel);
            Store = new FeedbackStore(redis, keys);
        }

        public RedisKeys Keys { get; }

        public string GatewayAddress { get; }

        public GRPCInferenceService.GRPCInferenceServiceClient Infer { get; }

        public Feedback.FeedbackClient Feedback { get; }

        public FeedbackStore Store { get; }

        public Metadata Labeller { get; private set; } = [];

        public string LabellerSecret { get; private set; } = "";

        public string LabellerId { get; private set; } = "";

        public Metadata InferOnly { get; private set; } = [];

        public Metadata FeedbackOnly { get; private set; } = [];

        public static async Task<Stack> StartAsync(Func<LogCollector> newLogs, double feedbackRate = 100)
        {
            var repository = TestModels.NewRepository();
            var redis = await TestRedis.ConnectAsync();
            var keys = new RedisKeys("fb-" + Guid.NewGuid().ToString("N")[..12]);
            var store = new ApiKeyStore(redis, keys: keys);
            var (labeller, labellerSecret) = await store.CreateAsync("labeller", [], scopes: [KeyScopes.Infer, KeyScopes.Feedback]);
            var inferOnly = (await store.CreateAsync("infer-only", [])).Secret;
            var feedbackOnly = (await store.CreateAsync("feedback-only", [], scopes: [KeyScopes.Feedback])).Secret;
            var worker = StackFixture.StartWorker(repository, redis, newLogs(), keys, w => w.AddPredictionRecords(redis, o => o.Namespace = keys.Namespace));
            await worker.StartAsync();
            var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
            {
                o.Namespace = keys.Namespace;
                o.WorkerSecret = TestSecrets.Worker;
                o.FeedbackRate = feedbackRate;
            }, newLogs().Configure);
            await gateway.StartAsync();
            await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));
            return new Stack(repository, redis, worker, gateway, keys)
            {
                Labeller = StackFixture.WithKey(labellerSecret),
                LabellerSecret = labellerSecret,
                LabellerId = labeller.Id,
                InferOnly = StackFixture.WithKey(inferOnly),
                FeedbackOnly = StackFixture.WithKey(feedbackOnly),
            };
        }

        /// <summary>One prediction with id <paramref name="id"/>, once recorded; the version that answered.</summary>
        public async Task<string> PredictAsync(string id)
        {
            var request = TestRequests.Propensity(Model, [TestRequests.Row]);
            request.Id = id;
            var version = (await Infer.ModelInferAsync(request, Labeller)).ModelVersion;
            await RecordedAsync(id);
            return version;
        }

        /// <summary>The prediction recorded as <paramref name="id"/>, once the worker's writer has written it.</summary>
        public async Task<PredictionRecord> RecordedAsync(string id)
        {
            PredictionRecord? record = null;
            await Wait.UntilAsync(async () => (record = await Store.GetPredictionAsync(Model, id)) is not null);
            return record!;
        }

        public async ValueTask DisposeAsync()
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
            await _worker.StopAsync();
            await _worker.DisposeAsync();
            await _redis.DisposeAsync();
            try
            {
                Directory.Delete(_repository, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
