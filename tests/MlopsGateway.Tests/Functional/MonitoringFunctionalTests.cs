using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Quality;
using MlopsGateway.LoadTest;
using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Sketches;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Sketching;

namespace MlopsGateway.Tests.Functional;

/// <summary>
/// The whole loop on real parts: a worker running the real propensity model counts its rows into the
/// baseline's bins in Redis, a gateway forwards the calls and evaluates drift, exports it and posts the
/// alert to a real webhook receiver.
/// </summary>
/// <remarks>
/// Runs alone: the model-quality gauges are the process's (every live gateway's reports), and this test
/// reads propensity's from /metrics, which other tests' gateways (the console's sample stack) also
/// evaluate; in a clean-clone CI run one of theirs, not drifting, was read as this one's 0.
/// </remarks>
[Collection(RunsAloneCollection.Name)]
public sealed class MonitoringFunctionalTests : FunctionalTest
{
    [Fact]
    public async Task Traffic_LikeTheBaselineThenOneFeatureShifted_OnlyThatFeatureDriftsInMetricAndWebhook()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = RedisTargets.NewKeys("e2e");
        // Both versions get the baseline of the rows the traffic is drawn from; version 2's traffic has visits_30d one standard deviation up.
        var training = PropensityBaseline.Rows(5000, seed: 5).Where(r => !float.IsNaN(r[4])).ToList();
        foreach (var version in new[] { "1", "2" })
        {
            await new BaselineStore(redis, keys).SetAsync(BaselineBuilder.Build(
                new BaselineSpec(SampleModels.Propensity, version, "features", "training:test", SampleModels.PropensityFeatures) { Seed = 1 }, training));
        }
        var baseline = (await new BaselineStore(redis, keys).GetAsync(SampleModels.Propensity, "2"))!;
        var key = (await new ApiKeyStore(redis, keys: keys).CreateAsync("e2e", [])).Secret;
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        var workerLogs = NewLogs();
        await using var worker = WorkerHost.Build(new IPEndPoint(IPAddress.Loopback, 0), o =>
        {
            o.ModelRepository = TestModels.NewRepository();
            o.DrainDelay = TimeSpan.Zero;
            o.WorkerSecrets = [TestSecrets.Worker];
        }, workerLogs.Configure, new IPEndPoint(IPAddress.Loopback, 0), w =>
        {
            w.AddRedisRegistration(redis, o =>
            {
                o.Namespace = keys.Namespace;
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
            });
            w.AddDriftSketches(redis, o =>
            {
                o.Namespace = keys.Namespace;
                o.FlushInterval = TimeSpan.FromHours(1);
            });
        });
        await worker.StartAsync();
        await worker.Services.GetRequiredService<SketchService>().RefreshAsync(reread: true);
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
        {
            o.Namespace = keys.Namespace;
            o.WorkerSecret = TestSecrets.Worker;
            o.MonitorInterval = TimeSpan.FromSeconds(1);
            o.AlertWebhook = receiver.Url.ToString();
        }, NewLogs().Configure, new IPEndPoint(IPAddress.Loopback, 0));
        var drifted = new TaskCompletionSource<IReadOnlyList<MonitorReport>>(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.Services.GetRequiredService<QualityMonitor>().Evaluated += reports =>
        {
            if (reports.Count == 2 && reports.All(r => r.Rows == 2000))
            {
                drifted.TrySetResult(reports);
            }
        };
        await gateway.StartAsync();
        await StackFixture.WaitForDestinationAsync(gateway, ServerEndpoints.GrpcAddress(worker));
        var client = StackFixture.Client(ServerEndpoints.GrpcAddress(gateway));
        var shift = baseline.Features[0].StdDev;

        foreach (var (version, rows) in new[] { ("1", PropensityBaseline.Rows(2000, seed: 11)), ("2", PropensityBaseline.Rows(2000, seed: 12)) })
        {
            if (version == "2")
            {
                rows.ForEach(r => r[0] += (float)shift);
            }
            for (var start = 0; start < rows.Count; start += 50)
            {
                await client.ModelInferAsync(TestRequests.Propensity(SampleModels.Propensity, rows.GetRange(start, 50), version: version), StackFixture.WithKey(key));
            }
        }
        await worker.Services.GetRequiredService<SketchService>().FlushAsync();
        var reports = await drifted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await receiver.AcceptedAsync(e => e.Version == "2" && e.Feature == "visits_30d");

        var calm = Assert.Single(reports, r => r.Version == "1");
        var moved = Assert.Single(reports, r => r.Version == "2");
        // Each feature's test may still raise a false alarm at the configured 1%; the model's state and the shifted feature may not.
        Assert.Equal(DriftStates.Ok, calm.DriftState);
        Assert.Equal(DriftStates.Ok, Assert.Single(calm.Features, f => f.Primary && f.Feature == "visits_30d").State);
        Assert.Equal(DriftStates.Drift, Assert.Single(moved.Features, f => f.Primary && f.Feature == "visits_30d").State);
        using var http = new HttpClient();
        var page = PrometheusText.Parse(await http.GetStringAsync(ServerEndpoints.MetricsAddress(gateway) + "/metrics"))
            .Where(s => s.Name == "mlops_model_drift_detected" && s.Label("model") == SampleModels.Propensity).ToArray();
        Assert.Equal(1, Assert.Single(page, s => s.Label("version") == "2" && s.Label("feature") == "visits_30d").Value);
        Assert.Equal(0, Assert.Single(page, s => s.Label("version") == "1" && s.Label("feature") == "visits_30d").Value);
        Assert.Equal(0, Assert.Single(page, s => s.Label("version") == "1" && s.Label("feature") == "*").Value);
        var alert = Assert.Single(receiver.Accepted, e => e.Version == "2" && e.Feature == "visits_30d");
        Assert.Equal((AlertEvent.Started, AlertEvent.DriftKind, SampleModels.Propensity), (alert.Status, alert.Kind, alert.Model));
        Assert.DoesNotContain(receiver.Accepted, e => e.Version == "1" && e.Feature is "visits_30d" or AlertTracker.ModelSubject);
        // The receiver failed the first post: it came again.
        Assert.Equal(receiver.Accepted.Count + 1, receiver.Posts);
        await gateway.StopAsync();
        await worker.StopAsync();
    }
}
