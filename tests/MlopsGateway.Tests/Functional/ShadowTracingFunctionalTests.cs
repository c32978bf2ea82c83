using System.Diagnostics;
using Grpc.Net.Client;
using Inference;
using MlopsGateway.Gateway.Tracing;
using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Tracing;
using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace MlopsGateway.Tests.Functional;

/// <summary>A shadow copy of a traced call gets a trace of its own, linked to the call, and nothing of it hangs in the call's trace.</summary>
public sealed class ShadowTracingFunctionalTests(RoutingFixture stack) : FunctionalTest(stack.Logs), IClassFixture<RoutingFixture>
{
    [Fact]
    public async Task ModelInfer_ShadowedCall_CopyHasItsOwnSpanLinkedToTheCall()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1", Shadow: "2", ShadowPercent: 100));
        var trace = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        var spans = new SpanCollection(s => s.TraceId == trace || s.Links.Any(l => l.Context.TraceId == trace));
        using var provider = TracingSettings.Instrument(Sdk.CreateTracerProviderBuilder()).AddInMemoryExporter(spans).Build();
        using var channel = GrpcChannel.ForAddress(stack.GatewayAAddress, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { ActivityHeadersPropagator = null },
        });
        var headers = StackFixture.WithKey(stack.Key);
        headers.Add("traceparent", $"00-{trace}-{caller}-01");

        var answer = await new GRPCInferenceService.GRPCInferenceServiceClient(channel)
            .ModelInferAsync(TestRequests.Propensity(stack.Model, [TestRequests.Row]), headers);

        Assert.Equal("1", answer.ModelVersion);
        Activity? copy = null;
        await Wait.UntilAsync(() => (copy = spans.Snapshot().SingleOrDefault(s => s.OperationName == ShadowTracing.Shadow)) is not null
            && spans.Snapshot().Any(s => s.Kind == ActivityKind.Server && s.ParentSpanId == caller));
        var all = spans.Snapshot();
        var route = Assert.Single(all, s => s.Source.Name == GatewayTracing.SourceName && s.OperationName == GatewayTracing.Route);
        Assert.Equal("2", route.GetTagItem(TraceTags.ShadowVersion));
        // Its own trace, a root, linked to a span of the call.
        Assert.NotEqual(trace, copy!.TraceId);
        Assert.Equal(default, copy.ParentSpanId);
        var link = Assert.Single(copy.Links).Context;
        Assert.Contains(all, s => s.TraceId == trace && s.SpanId == link.SpanId);
        Assert.Equal((stack.Model, "1", "2", "OK"),
            (copy.GetTagItem(TraceTags.Model), copy.GetTagItem(TraceTags.Version), copy.GetTagItem(TraceTags.ShadowVersion), copy.GetTagItem(TraceTags.Status)));
        // The call's trace holds the primary's one forwarded call and nothing of the shadow stream's.
        var call = all.Where(s => s.TraceId == trace).ToList();
        Assert.Single(call, s => s.Kind == ActivityKind.Client);
        Assert.Single(call, s => s.Kind == ActivityKind.Server && s.ParentSpanId == caller);
    }
}
