using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Inference;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>Calls through a real gateway to a real worker over HTTP/2, as any OIP client would.</summary>
public sealed class GatewayFunctionalTests(StackFixture stack) : FunctionalTest(stack.Logs), IClassFixture<StackFixture>
{
    private GRPCInferenceService.GRPCInferenceServiceClient Gateway => StackFixture.Client(stack.GatewayAddress);

    private Metadata Key => StackFixture.WithKey(stack.AllModelsKey);

    private static readonly float[][] s_rows =
    [
        [3f, 12.5f, 2f, 14f, 4f],
        [0f, 1f, 0f, 60f, 0f],
        [20f, 95f, 6f, 1f, 12f],
    ];

    private static ModelInferRequest PropensityRequest(IReadOnlyList<float[]> rows, bool raw, string version = "") =>
        TestRequests.Propensity("propensity", rows, raw, version);

    /// <summary>The propensity model in plain arithmetic: softmax over (-z, z) with z = w·x + b.</summary>
    private static double ExpectedPurchase(float[] row, float[] weights, float bias)
    {
        double z = bias;
        for (var i = 0; i < row.Length; i++)
        {
            z += weights[i] * row[i];
        }
        return Math.Exp(z) / (Math.Exp(z) + Math.Exp(-z));
    }

    [Fact]
    public async Task ServerLive_WithKey_WorkerAnswersLive()
    {
        var response = await Gateway.ServerLiveAsync(new ServerLiveRequest(), Key);
        Assert.True(response.Live);
        Assert.True((await Gateway.ServerReadyAsync(new ServerReadyRequest(), Key)).Ready);
        Assert.Equal("mlops-worker", (await Gateway.ServerMetadataAsync(new ServerMetadataRequest(), Key)).Name);
    }

    [Fact]
    public async Task ModelMetadata_Propensity_DescribesTensorsAndVersions()
    {
        var metadata = await Gateway.ModelMetadataAsync(new ModelMetadataRequest { Name = "propensity" }, Key);

        Assert.Equal("propensity", metadata.Name);
        Assert.Equal(["1", "2"], metadata.Versions);
        Assert.Equal("onnxruntime_onnx", metadata.Platform);
        var input = Assert.Single(metadata.Inputs);
        Assert.Equal(("features", "FP32"), (input.Name, input.Datatype));
        Assert.Equal([-1L, 5L], input.Shape);
        Assert.Equal(["probabilities", "label"], metadata.Outputs.Select(o => o.Name));
        Assert.Equal([-1L, 2L], metadata.Outputs[0].Shape);
    }

    [Fact]
    public async Task ModelReady_KnownAndUnknown_AnswersEach()
    {
        Assert.True((await Gateway.ModelReadyAsync(new ModelReadyRequest { Name = "propensity", Version = "1" }, Key)).Ready);
        Assert.False((await Gateway.ModelReadyAsync(new ModelReadyRequest { Name = "propensity", Version = "9" }, Key)).Ready);
    }

    [Fact]
    public async Task ModelInfer_Typed_AnswersTypedWithTheModelsArithmetic()
    {
        var response = await Gateway.ModelInferAsync(PropensityRequest([s_rows[0]], raw: false, version: "1"), Key);

        Assert.Equal(("propensity", "1", "req-42"), (response.ModelName, response.ModelVersion, response.Id));
        Assert.Empty(response.RawOutputContents);
        var probabilities = response.Outputs[0];
        Assert.Equal("FP32", probabilities.Datatype);
        Assert.Equal([1L, 2L], probabilities.Shape);
        var expected = ExpectedPurchase(s_rows[0], [0.08f, 0.02f, 0.60f, -0.03f, 0.10f], -1.5f);
        Assert.Equal(expected, probabilities.Contents.Fp32Contents[1], 5);
        Assert.Equal(1 - expected, probabilities.Contents.Fp32Contents[0], 5);
        Assert.Equal(expected > 0.5 ? 1 : 0, response.Outputs[1].Contents.Int64Contents[0]);
    }

    [Fact]
    public async Task ModelInfer_Raw_AnswersRawEqualToTyped()
    {
        var typed = await Gateway.ModelInferAsync(PropensityRequest(s_rows, raw: false), Key);
        var raw = await Gateway.ModelInferAsync(PropensityRequest(s_rows, raw: true), Key);

        Assert.Equal(2, raw.RawOutputContents.Count);
        Assert.All(raw.Outputs, o => Assert.Null(o.Contents));
        Assert.Equal("2", raw.ModelVersion);
        for (var i = 0; i < typed.Outputs.Count; i++)
        {
            Assert.Equal(typed.Outputs[i].Shape, raw.Outputs[i].Shape);
            Assert.Equal(InferResponseReader.Values(typed, i), InferResponseReader.Values(raw, i));
        }
    }

    [Fact]
    public async Task ModelInfer_SeveralRows_EachRowEqualsThatRowAlone()
    {
        var together = await Gateway.ModelInferAsync(PropensityRequest(s_rows, raw: false), Key);
        var probabilities = InferResponseReader.Values(together, 0);
        var labels = InferResponseReader.Values(together, 1);
        Assert.Equal([3L, 2L], together.Outputs[0].Shape);

        for (var r = 0; r < s_rows.Length; r++)
        {
            var alone = await Gateway.ModelInferAsync(PropensityRequest([s_rows[r]], raw: false), Key);
            Assert.Equal(probabilities[(r * 2)..((r * 2) + 2)], InferResponseReader.Values(alone, 0));
            Assert.Equal(labels[r], InferResponseReader.Values(alone, 1)[0]);
        }
    }

    [Fact]
    public async Task ModelInfer_VersionsDiffer_SameInputDifferentAnswers()
    {
        var v1 = await Gateway.ModelInferAsync(PropensityRequest([s_rows[0]], raw: false, version: "1"), Key);
        var v2 = await Gateway.ModelInferAsync(PropensityRequest([s_rows[0]], raw: false, version: "2"), Key);
        Assert.NotEqual(InferResponseReader.Values(v1, 0), InferResponseReader.Values(v2, 0));
    }

    [Fact]
    public async Task ModelInfer_BearerToken_Accepted()
    {
        var headers = new Metadata { { "authorization", "Bearer " + stack.AllModelsKey } };
        var response = await Gateway.ModelInferAsync(PropensityRequest([s_rows[0]], raw: false), headers);
        Assert.Equal("propensity", response.ModelName);
    }

    [Fact]
    public async Task ModelInfer_NoKey_Unauthenticated()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => Gateway.ModelInferAsync(PropensityRequest([s_rows[0]], raw: false)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("x-api-key", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_UnknownKey_Unauthenticated()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.ModelInferAsync(PropensityRequest([s_rows[0]], raw: false), StackFixture.WithKey("mlk_not-a-real-key")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Contains("not recognised", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_KeyNotAllowedForModel_PermissionDenied()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.ModelInferAsync(PropensityRequest([s_rows[0]], raw: false), StackFixture.WithKey(stack.DtypesOnlyKey)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("may not call model 'propensity'", ex.Status.Detail);

        var metadata = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.ModelMetadataAsync(new ModelMetadataRequest { Name = "propensity" }, StackFixture.WithKey(stack.DtypesOnlyKey)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, metadata.StatusCode);
    }

    [Fact]
    public async Task ModelInfer_BadShape_InvalidArgumentFromWorkerUnchanged()
    {
        var request = PropensityRequest([s_rows[0]], raw: false);
        request.Inputs[0].Shape[1] = 4;
        request.Inputs[0].Contents.Fp32Contents.RemoveAt(4);

        var viaGateway = await Assert.ThrowsAsync<RpcException>(() => Gateway.ModelInferAsync(request, Key).ResponseAsync);
        var direct = await Assert.ThrowsAsync<RpcException>(() => TestSecrets.WorkerClient(stack.WorkerAddress).ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, viaGateway.StatusCode);
        Assert.Equal("model 'propensity' version 2: input 'features' has shape [1, 4]; the model expects [-1, 5] (-1 = any size).", viaGateway.Status.Detail);
        Assert.Equal(direct.Status.Detail, viaGateway.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_UnknownModel_NotFound()
    {
        var request = PropensityRequest([s_rows[0]], raw: false);
        request.ModelName = "churn";
        var ex = await Assert.ThrowsAsync<RpcException>(() => Gateway.ModelInferAsync(request, Key).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("Unknown model 'churn'", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_UnknownVersion_NotFoundListingVersions()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.ModelInferAsync(PropensityRequest([s_rows[0]], raw: false, version: "7"), Key).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("Model 'propensity' has no version '7'. Versions served: 1, 2.", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_NoModelName_InvalidArgumentAtGateway()
    {
        var request = PropensityRequest([s_rows[0]], raw: false);
        request.ModelName = "";
        var ex = await Assert.ThrowsAsync<RpcException>(() => Gateway.ModelInferAsync(request, Key).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("names no model", ex.Status.Detail);
    }

    [Fact]
    public async Task ModelInfer_EveryDatatypeTypedAndRaw_ExactAnswers()
    {
        var request = new ModelInferRequest { ModelName = "dtypes" };
        TestRequests.AddInput(request, "x_fp32", "FP32", [2, 3], c => c.Fp32Contents.Add([1.5f, -2f, 0f, 3.25f, 1e-3f, 7f]));
        TestRequests.AddInput(request, "x_fp64", "FP64", [2, 2], c => c.Fp64Contents.Add([1.0 / 3, -4.5, 1e100, 0]));
        TestRequests.AddInput(request, "x_i32", "INT32", [2], c => c.IntContents.Add([int.MaxValue / 2, -7]));
        TestRequests.AddInput(request, "x_i64", "INT64", [2, 2], c => c.Int64Contents.Add([long.MaxValue / 2, -1, 0, 42]));
        TestRequests.AddInput(request, "x_bool", "BOOL", [2], c => c.BoolContents.Add([true, false]));

        var typed = await Gateway.ModelInferAsync(request, StackFixture.WithKey(stack.DtypesOnlyKey));

        Assert.Equal([3f, -4f, 0f, 6.5f, 2e-3f, 14f], typed.Outputs[0].Contents.Fp32Contents);
        Assert.Equal([2.0 / 3, -9, 2e100, 0], typed.Outputs[1].Contents.Fp64Contents);
        Assert.Equal([int.MaxValue - 1, -14], typed.Outputs[2].Contents.IntContents);
        Assert.Equal([long.MaxValue - 1, -2, 0, 84], typed.Outputs[3].Contents.Int64Contents);
        Assert.Equal([false, true], typed.Outputs[4].Contents.BoolContents);

        var metadata = await Gateway.ModelMetadataAsync(new ModelMetadataRequest { Name = "dtypes" }, StackFixture.WithKey(stack.DtypesOnlyKey));
        var rawRequest = PredictRequestBuilder.Build(metadata, null,
        [
            "x_fp32=[[1.5, -2, 0], [3.25, 0.001, 7]]",
            "x_fp64=[[0.3333333333333333, -4.5], [1e100, 0]]",
            "x_i32=[1073741823, -7]",
            "x_i64=[[4611686018427387903, -1], [0, 42]]",
            "x_bool=[true, false]",
        ], raw: true);
        var raw = await Gateway.ModelInferAsync(rawRequest, StackFixture.WithKey(stack.DtypesOnlyKey));
        Assert.Equal(5, raw.RawOutputContents.Count);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(typed.Outputs[i].Datatype, raw.Outputs[i].Datatype);
            Assert.Equal(InferResponseReader.Values(typed, i), InferResponseReader.Values(raw, i));
        }
    }

    [Fact]
    public async Task Health_NoKey_ServingForProbes()
    {
        var health = new Health.HealthClient(GrpcChannel.ForAddress(stack.GatewayAddress));
        var response = await health.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task ModelInfer_KeyRevoked_RefusedOnceTheChangeArrives()
    {
        var store = new ApiKeyStore(stack.Redis);
        var name = "revoked-" + Guid.NewGuid().ToString("N");
        var (_, secret) = await store.CreateAsync(name, []);
        var request = PropensityRequest([s_rows[0]], raw: false);
        await Wait.UntilAsync(async () => (await Gateway.ModelInferAsync(request, StackFixture.WithKey(secret))).ModelName == "propensity");

        await store.RevokeAsync(name);

        await Wait.UntilAsync(async () =>
        {
            try
            {
                await Gateway.ModelInferAsync(request, StackFixture.WithKey(secret));
                return false;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                return true;
            }
        });
    }

    [Fact]
    public async Task Metrics_BothRoles_ServePrometheusTextOverHttp1()
    {
        using var http = new HttpClient();
        using var recorder = new MetricsRecorder(stack.Gateway);
        await Gateway.ModelMetadataAsync(new ModelMetadataRequest { Name = "propensity" }, StackFixture.WithKey("mlk_wrong-key-for-metrics"))
            .ResponseAsync.ContinueWith(_ => { }, TaskScheduler.Default);

        GC.Collect();
        var gateway = await http.GetAsync(stack.GatewayMetricsAddress + "/metrics");
        var worker = await http.GetAsync(stack.WorkerMetricsAddress + "/healthz");
        var workerPage = await http.GetStringAsync(stack.WorkerMetricsAddress + "/metrics");

        Assert.Equal(System.Net.HttpStatusCode.OK, gateway.StatusCode);
        Assert.StartsWith("text/plain", gateway.Content.Headers.ContentType?.MediaType);
        // The instrument, read in process: the scraped page is unreliable while other tests' gateways
        // in this process come and go (see MetricsRecorder).
        Assert.Single(recorder.Values("mlops.gateway.auth.failures", ("status", "Unauthenticated")));
        Assert.Equal("Healthy", await worker.Content.ReadAsStringAsync());
        // The runtime's meter is never disposed, so its series are on every page: collections by generation, and their pauses.
        Assert.Contains("dotnet_gc_collections_total{", await gateway.Content.ReadAsStringAsync());
        Assert.Contains("dotnet_gc_pause_time_seconds_total", workerPage);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Metrics_OnTheGrpcPort_NotFoundWhileHealthzAnswers(bool gateway)
    {
        // The gRPC port speaks HTTP/2 only (prior knowledge), as a caller reaching it would.
        using var http = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var address = gateway ? stack.GatewayAddress : stack.WorkerAddress;

        var metrics = await http.GetAsync(address + "/metrics");
        var health = await http.GetAsync(address + "/healthz");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.DoesNotContain("dotnet_gc", await metrics.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Metrics_MadeUpVersion_NoSeriesOfItsOwnAtTheGatewayOrTheWorker()
    {
        using var gatewayMetrics = new MetricsRecorder(stack.Gateway);
        using var workerMetrics = new MetricsRecorder(stack.Worker);
        var madeUp = "made-up-" + Guid.NewGuid().ToString("N");

        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            Gateway.ModelInferAsync(TestRequests.Propensity("propensity", [TestRequests.Row], version: madeUp), Key).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal(1, gatewayMetrics.Values("mlops.gateway.requests", ("model", "propensity"), ("version", "other"), ("status", "NotFound")).Sum());
        Assert.Empty(gatewayMetrics.Values("mlops.gateway.requests", ("version", madeUp)));
        // The worker refuses a version it does not serve before counting anything by version.
        Assert.Empty(workerMetrics.Values("mlops.worker.requests", ("version", madeUp)));
    }
}
