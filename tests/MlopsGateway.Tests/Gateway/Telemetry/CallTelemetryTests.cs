using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Routing;
using MlopsGateway.Gateway.Telemetry;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace MlopsGateway.Tests.Gateway.Telemetry;

/// <summary>The request path's per-version counts: what is counted where, and that a take loses nothing.</summary>
public class CallTelemetryTests
{
    private static readonly DateTimeOffset s_from = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    [Fact]
    public void Answered_ByStatusAndLatencyBucket_TakeResets()
    {
        var telemetry = new CallTelemetry();
        var bounds = LatencyBuckets.Seconds;
        telemetry.Answered("m", "1", 0, TimeSpan.FromSeconds(bounds[3]));
        telemetry.Answered("m", "1", 0, TimeSpan.FromSeconds(bounds[3] * 1.01));
        telemetry.Answered("m", "1", 0, TimeSpan.FromMinutes(5));
        telemetry.Answered("m", "1", 14, TimeSpan.FromSeconds(1));
        telemetry.Answered("m", "1", 99, TimeSpan.FromSeconds(1));
        telemetry.Answered("m", "2", 4, TimeSpan.FromSeconds(1));
        telemetry.Compared("m", "2", rows: 10, agreeing: 7);

        var taken = telemetry.Take(s_from, s_from.AddSeconds(5)).ToDictionary(t => t.Version);
        var again = telemetry.Take(s_from.AddSeconds(5), s_from.AddSeconds(10));

        var one = taken["1"];
        Assert.Equal(3, one.Ok);
        Assert.Equal((1L, 1L, 1L), (one.Latency[3], one.Latency[4], one.Latency[VersionTelemetry.LatencyEntries - 1]));
        Assert.Equal(new Dictionary<string, long> { ["UNAVAILABLE"] = 1, ["UNKNOWN"] = 1 }, one.Errors);
        Assert.Equal((s_from, s_from.AddSeconds(5)), (one.From, one.To));
        var two = taken["2"];
        Assert.Equal((0L, 10L, 3L), (two.Ok, two.ShadowRows, two.ShadowRowsDiffering));
        Assert.Equal(new Dictionary<string, long> { ["DEADLINE_EXCEEDED"] = 1 }, two.Errors);
        Assert.Empty(again);
    }

    [Fact]
    public async Task Answered_ManyThreadsWhileTaking_EveryCallInExactlyOneTake()
    {
        var telemetry = new CallTelemetry();
        const int Threads = 4, Calls = 50_000;
        var takes = new List<VersionTelemetry>();
        var writers = Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < Calls; i++)
            {
                telemetry.Answered("m", "1", i % 10 == 0 ? 14 : 0, TimeSpan.FromMilliseconds(1 + (i % 7)));
            }
        })).ToArray();
        while (!writers.All(w => w.IsCompleted))
        {
            takes.AddRange(telemetry.Take(s_from, s_from));
            await Task.Yield();
        }
        await Task.WhenAll(writers);
        takes.AddRange(telemetry.Take(s_from, s_from));

        Assert.Equal(Threads * Calls, takes.Sum(t => t.Requests));
        Assert.Equal(Threads * Calls / 10, takes.Sum(t => t.Failed));
        Assert.Equal(takes.Sum(t => t.Ok), takes.Sum(t => t.Latency.Sum()));
    }

    [Theory]
    [InlineData("OK", 0)]
    [InlineData("Unavailable", 14)]
    [InlineData("DeadlineExceeded", 4)]
    [InlineData("Unauthenticated", 16)]
    [InlineData("Unknown", 2)]
    [InlineData("whatever", 2)]
    public void CodeOf_TheReadersNames(string name, int code) => Assert.Equal(code, CallTelemetry.CodeOf(name));

    private static async Task<List<VersionTelemetry>> StepAsync(Action<StepContext, GatewayRequest> answer, string version = "2")
    {
        var telemetry = new CallTelemetry();
        var call = new StepContext();
        var request = call.Started();
        request.Prefix = new("propensity", "", 10, 12);
        var step = new RequestMetricsStep(new GatewayMetrics(), MlopsGateway.Tests.Gateway.Forwarding.MetricLabelsTests.Labels(new RouteRecord("propensity", "1", Canary: "2", CanaryWeight: 10)), telemetry);
        await step.InvokeAsync(call.Http, () =>
        {
            request.Decision = new RouteDecision(version, RouteKind.Canary, null);
            answer(call, request);
            return Task.CompletedTask;
        });
        return telemetry.Take(s_from, s_from);
    }

    [Fact]
    public async Task RequestMetricsStep_WorkerFailure_CountedForTheVersion()
    {
        var taken = await StepAsync((call, _) => call.Http.Response.Headers["grpc-status"] = "14");

        var two = Assert.Single(taken);
        Assert.Equal(("2", 1L), (two.Version, two.Errors["UNAVAILABLE"]));
    }

    [Fact]
    public async Task RequestMetricsStep_CallerCancelled_NotTheVersionsFailure()
    {
        var aborted = await StepAsync((call, _) =>
        {
            call.Http.Response.Headers["grpc-status"] = "1";
            var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            call.Http.RequestAborted = cancelled.Token;
        });
        var bodyBroke = await StepAsync((call, _) =>
        {
            call.Http.Response.Headers["grpc-status"] = "14";
            call.Http.Features.Set<IForwarderErrorFeature>(new Failure(ForwarderError.RequestBodyClient, new IOException("the caller's body broke off")));
        });

        Assert.Empty(aborted);
        Assert.Empty(bodyBroke);
    }

    [Fact]
    public async Task RequestMetricsStep_VersionTheGatewayDoesNotKnow_NotCounted()
    {
        var taken = await StepAsync((call, _) => call.Http.Response.Headers["grpc-status"] = "5", version: "made-up");

        Assert.Empty(taken);
    }

    private sealed record Failure(ForwarderError Error, Exception? Exception) : IForwarderErrorFeature;
}
