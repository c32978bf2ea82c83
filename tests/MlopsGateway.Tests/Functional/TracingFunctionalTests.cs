using System.Diagnostics;
using Grpc.Net.Client;
using Inference;
using MlopsGateway.Gateway.Tracing;
using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Tracing;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Tracing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// One call through a real gateway to a real worker, traced with the project's own instrumentation
/// into an in-memory exporter: the caller's trace continues through both, and the spans nest.
/// </summary>
public sealed class TracingFunctionalTests(StackFixture stack) : FunctionalTest(stack.Logs), IClassFixture<StackFixture>
{
    [Fact]
    public async Task ModelInfer_WithCallerTraceparent_GatewayAndWorkerSpansShareTheTraceAndNest()
    {
        var trace = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        // Listeners are process-wide: other tests' calls are traced too, so only this trace is kept.
        var spans = new SpanCollection(s => s.TraceId == trace);
        using var provider = TracingSettings.Instrument(Sdk.CreateTracerProviderBuilder()).AddInMemoryExporter(spans).Build();
        // A raw client: its handler propagates nothing itself, so the traceparent sent is the caller's own.
        using var channel = GrpcChannel.ForAddress(stack.GatewayAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ActivityHeadersPropagator = null },
        });
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var headers = StackFixture.WithKey(stack.AllModelsKey);
        headers.Add("traceparent", $"00-{trace}-{caller}-01");

        var response = await client.ModelInferAsync(TestRequests.Propensity("propensity", [[3f, 12.5f, 2f, 14f, 4f]]), headers);

        // Server spans end once their answers are written, which may be after the caller has read them.
        Activity? gatewayServer = null, workerServer = null;
        await Wait.UntilAsync(() =>
        {
            var all = spans.Snapshot();
            gatewayServer = all.SingleOrDefault(s => s.Kind == ActivityKind.Server && s.ParentSpanId == caller);
            var client = gatewayServer is null ? null : all.SingleOrDefault(s => s.Kind == ActivityKind.Client);
            workerServer = client is null ? null : all.SingleOrDefault(s => s.Kind == ActivityKind.Server && s.ParentSpanId == client.SpanId);
            return workerServer is not null && all.Any(s => s.OperationName == GatewayTracing.Forward);
        });
        var finished = spans.Snapshot();
        Assert.All(finished, s => Assert.Equal(trace, s.TraceId));

        var authenticate = Single(finished, GatewayTracing.SourceName, GatewayTracing.Authenticate);
        var route = Single(finished, GatewayTracing.SourceName, GatewayTracing.Route);
        var forward = Single(finished, GatewayTracing.SourceName, GatewayTracing.Forward);
        Assert.Equal(gatewayServer!.SpanId, authenticate.ParentSpanId);
        Assert.Equal(gatewayServer.SpanId, route.ParentSpanId);
        Assert.Equal(gatewayServer.SpanId, forward.ParentSpanId);
        // The forwarded call: HttpClient's span under the forward span, and the worker's server span under it.
        var forwarded = Assert.Single(finished, s => s.Kind == ActivityKind.Client);
        Assert.Equal(forward.SpanId, forwarded.ParentSpanId);
        Assert.Equal(forwarded.SpanId, workerServer!.ParentSpanId);
        var queue = Single(finished, WorkerTracing.SourceName, WorkerTracing.Queue);
        var run = Single(finished, WorkerTracing.SourceName, WorkerTracing.Run);
        Assert.Equal(workerServer.SpanId, queue.ParentSpanId);
        Assert.Equal(workerServer.SpanId, run.ParentSpanId);
        Assert.True(queue.StartTimeUtc + queue.Duration <= run.StartTimeUtc + TimeSpan.FromTicks(1), "The queue span ends where the run begins.");

        // The attributes name what ran.
        Assert.Equal(KeyIdOf(await new ApiKeyStore(stack.Redis).ListAsync(), stack.AllModelsKey), authenticate.GetTagItem(TraceTags.KeyId));
        foreach (var span in new[] { route, forward, queue, run })
        {
            Assert.Equal("propensity", span.GetTagItem(TraceTags.Model));
            Assert.Equal(response.ModelVersion, span.GetTagItem(TraceTags.Version));
        }
        Assert.Equal("OK", forward.GetTagItem(TraceTags.Status));
        Assert.Equal(1, forward.GetTagItem(TraceTags.Attempts));
        Assert.Equal(1L, run.GetTagItem(TraceTags.Rows));
        Assert.Equal(1, run.GetTagItem(TraceTags.BatchSize));
        Assert.Equal(1L, run.GetTagItem(TraceTags.BatchRows));

        // No secret, and no header that carries one, in any attribute or event.
        string[] secrets = [stack.AllModelsKey, TestSecrets.Worker, TestSecrets.Admin];
        string[] secretHeaders = ["x-api-key", "authorization", "x-mlops-worker-secret", "x-mlops-admin-secret"];
        var tags = finished.SelectMany(s => s.TagObjects.Concat(s.Events.SelectMany(e => e.Tags))).ToList();
        Assert.NotEmpty(tags);
        foreach (var (key, value) in tags)
        {
            Assert.DoesNotContain(secretHeaders, h => key.Contains(h, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(secrets, s => (value?.ToString() ?? "").Contains(s, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Predict_WithTraceparent_GatewayAndWorkerContinueTheCallersTrace()
    {
        var trace = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        var spans = new SpanCollection(s => s.TraceId == trace);
        using var provider = TracingSettings.Instrument(Sdk.CreateTracerProviderBuilder()).AddInMemoryExporter(spans).Build();

        var (exitCode, _, error) = await CliRunner.RunAsync("predict", "--gateway", stack.GatewayAddress, "--api-key", stack.AllModelsKey,
            "--model", "propensity", "--input", "features=[[3, 12.5, 2, 14, 4]]", "--traceparent", $"00-{trace}-{caller}-01");

        Assert.True(exitCode == 0, error);
        // predict asks ModelMetadata, then calls ModelInfer: both under the caller's span, the inference run by the worker.
        await Wait.UntilAsync(() => spans.Snapshot() is var all
            && all.Count(s => s.Kind == ActivityKind.Server && s.ParentSpanId == caller) == 2
            && all.Any(s => s.Source.Name == WorkerTracing.SourceName && s.OperationName == WorkerTracing.Run));
    }

    private static Activity Single(IEnumerable<Activity> spans, string source, string name) =>
        Assert.Single(spans, s => s.Source.Name == source && s.OperationName == name);

    private static string KeyIdOf(IEnumerable<ApiKeyRecord> keys, string secret)
    {
        var hash = ApiKeyHasher.Hash(secret);
        return keys.Single(k => k.Hash == hash).Id;
    }
}
