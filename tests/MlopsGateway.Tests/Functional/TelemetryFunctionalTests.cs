using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Discovery;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Telemetry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// Calls through two real gateways to a real worker (the propensity classifier, versions 1 and 2)
/// appear in <see cref="TelemetryStore"/> per version, by status and latency, merged across the
/// gateways; shadow comparisons are the shadow version's.
/// </summary>
public sealed class TelemetryFunctionalTests(RoutingFixture stack) : FunctionalTest(stack.Logs), IClassFixture<RoutingFixture>
{
    private ModelInferRequest Request(string version = "", float[]? row = null) =>
        TestRequests.Propensity(stack.Model, [row ?? TestRequests.Row], version: version);

    /// <summary>A gateway of the test's own flushing telemetry every 200 ms, once it holds the fixture's key and the model's route.</summary>
    private async Task<(WebApplication Host, GRPCInferenceService.GRPCInferenceServiceClient Client)> StartGatewayAsync(Func<RouteRecord, bool> route)
    {
        var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), stack.Redis, o =>
        {
            o.ShadowCpuLimit = 100;
            o.WorkerSecret = TestSecrets.Worker;
            o.TelemetryFlushInterval = TimeSpan.FromMilliseconds(200);
        }, Watch(new LogCollector()).Configure);
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, stack.WorkerAddress);
        var snapshots = gateway.Services.GetRequiredService<SnapshotCache>();
        await Wait.UntilAsync(() => snapshots.Current.Keys.Find(stack.Key) is not null
            && snapshots.Current.Routes.TryGetValue(stack.Model, out var held) && route(held));
        return (gateway, StackFixture.Client(ServerEndpoints.GrpcAddress(gateway)));
    }

    /// <summary>Stops <paramref name="gateway"/> (its last flush) and disposes it when disposed.</summary>
    private static AsyncStop Stopping(WebApplication gateway) => new(gateway);

    private sealed class AsyncStop(WebApplication gateway) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }
    }

    /// <summary>
    /// The counts added to the version of <paramref name="before"/> since <paramref name="before"/> was read over the same
    /// window, once <paramref name="done"/> holds: the class's tests share the model, and the gateways of
    /// an earlier test flushed everything when they stopped.
    /// </summary>
    private async Task<VersionTelemetry> AddedSinceAsync(VersionTelemetry before, Func<VersionTelemetry, bool> done)
    {
        var store = new TelemetryStore(stack.Redis);
        VersionTelemetry added = null!;
        await Wait.UntilAsync(async () =>
        {
            var now = await store.ReadAsync(before.Model, before.Version, before.From, before.To);
            added = now with
            {
                Ok = now.Ok - before.Ok,
                Errors = now.Errors.Select(e => (e.Key, Count: e.Value - before.Errors.GetValueOrDefault(e.Key))).Where(e => e.Count != 0).ToDictionary(e => e.Key, e => e.Count),
                Latency = [.. now.Latency.Select((count, i) => count - before.Latency[i])],
                ShadowRows = now.ShadowRows - before.ShadowRows,
                ShadowRowsDiffering = now.ShadowRowsDiffering - before.ShadowRowsDiffering,
            };
            return done(added);
        });
        return added;
    }

    private Task<VersionTelemetry> ReadAsync(string version) =>
        new TelemetryStore(stack.Redis).ReadAsync(stack.Model, version, DateTimeOffset.UtcNow.AddSeconds(-20), DateTimeOffset.UtcNow.AddMinutes(2));

    [Fact]
    public async Task ModelInfer_TwoGateways_CountsByVersionStatusAndLatencyMergedInRedis()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1"));
        var (before1, before2) = (await ReadAsync("1"), await ReadAsync("2"));
        var (hostA, a) = await StartGatewayAsync(r => r.Stable == "1" && r.Shadow is null);
        await using var stopA = Stopping(hostA);
        var (hostB, b) = await StartGatewayAsync(r => r.Stable == "1" && r.Shadow is null);
        await using var stopB = Stopping(hostB);
        var key = StackFixture.WithKey(stack.Key);
        var slowest = TimeSpan.Zero;
        async Task CallAsync(GRPCInferenceService.GRPCInferenceServiceClient client, ModelInferRequest request)
        {
            var started = Stopwatch.GetTimestamp();
            await client.ModelInferAsync(request, key);
            slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, Stopwatch.GetElapsedTime(started).Ticks));
        }

        for (var i = 0; i < 20; i++)
        {
            await CallAsync(a, Request());
        }
        for (var i = 0; i < 5; i++)
        {
            await CallAsync(b, Request("1"));
        }
        for (var i = 0; i < 10; i++)
        {
            await CallAsync(b, Request("2"));
        }
        // Three feature values where the model takes five: the worker refuses them, a failure of version 1.
        for (var i = 0; i < 3; i++)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => a.ModelInferAsync(Request("1", [1f, 2f, 3f]), key).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        }

        var one = await AddedSinceAsync(before1, t => t.Requests >= 28);
        var two = await AddedSinceAsync(before2, t => t.Requests >= 10);

        Assert.Equal(25, one.Ok);
        Assert.Equal(new Dictionary<string, long> { ["INVALID_ARGUMENT"] = 3 }, one.Errors);
        Assert.Equal((10L, 0L), (two.Ok, two.Failed));
        foreach (var version in new[] { one, two })
        {
            Assert.Equal(version.Ok, version.Latency.Sum());
            // Every call counted lies in a bucket that starts below the slowest call the client saw (the gateway's time is inside the client's).
            for (var bin = 1; bin < version.Latency.Length; bin++)
            {
                Assert.True(version.Latency[bin] == 0 || LatencyBuckets.Seconds[bin - 1] < slowest.TotalSeconds,
                    $"{version.Latency[bin]} calls in bucket {bin}, above {LatencyBuckets.Seconds[bin - 1]} s; the slowest call took {slowest.TotalSeconds} s");
            }
        }
    }

    [Fact]
    public async Task ModelInfer_ShadowCopies_RowsAndDisagreementsAreTheShadowVersions()
    {
        await stack.SetRouteAsync(new RouteRecord("", "1", Shadow: "2", ShadowPercent: 100));
        var (before1, before2) = (await ReadAsync("1"), await ReadAsync("2"));
        var (host, gateway) = await StartGatewayAsync(r => r.Shadow == "2" && r.ShadowPercent == 100);
        await using var stop = Stopping(host);
        var worker = TestSecrets.WorkerClient(stack.WorkerAddress);
        // Cart contents around where the versions' decisions part (1.72 for version 1, 1.78 for 2): the rows between differ.
        var rows = Enumerable.Range(0, 12).Select(i => new[] { 3f, 12.5f, 1.70f + (i * 0.01f), 14f, 4f }).ToArray();
        var differing = 0;
        foreach (var row in rows)
        {
            var v1 = InferResponseReader.Values(await worker.ModelInferAsync(Request("1", row)), 0);
            var v2 = InferResponseReader.Values(await worker.ModelInferAsync(Request("2", row)), 0);
            differing += (v1[1] > v1[0]) != (v2[1] > v2[0]) ? 1 : 0;
        }
        Assert.InRange(differing, 1, rows.Length - 1);

        foreach (var row in rows)
        {
            Assert.Equal("1", (await gateway.ModelInferAsync(Request(row: row), StackFixture.WithKey(stack.Key))).ModelVersion);
        }

        var shadow = await AddedSinceAsync(before2, t => t.ShadowRows >= rows.Length);
        var primary = await AddedSinceAsync(before1, t => t.Ok >= rows.Length);
        Assert.Equal((rows.Length, differing), ((int)shadow.ShadowRows, (int)shadow.ShadowRowsDiffering));
        Assert.Equal(0, shadow.Requests);
        Assert.Equal((rows.Length, 0L), ((int)primary.Ok, primary.ShadowRows));
    }
}
