using System.Net;
using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Quality;
using MlopsGateway.LoadTest;
using MlopsGateway.Monitoring;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Monitoring.Quality;

namespace MlopsGateway.Tests.Functional;

/// <summary>A real gateway's evaluation loop over planted Redis records, read back from its /metrics page.</summary>
public class QualityGaugesFunctionalTests() : FunctionalTest()
{
    [Fact]
    public async Task Metrics_ServedVersionsWithBaselines_GaugesNamedAndLabelledAsDocumented()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var keys = QualityEvaluatorTests.NewNamespace();
        var (calm, shifted) = (QualityEvaluatorTests.Baseline("1"), QualityEvaluatorTests.Baseline("2"));
        await new BaselineStore(redis, keys).SetAsync(calm);
        await new BaselineStore(redis, keys).SetAsync(shifted);
        var bucket = DateTimeOffset.FromUnixTimeSeconds(DriftCountStore.BucketStart(DateTimeOffset.UtcNow.AddMinutes(-1)));
        await new DriftCountStore(redis, keys).AddAsync([QualityEvaluatorTests.Counts(calm, bucket, 2000, 0, 21), QualityEvaluatorTests.Counts(shifted, bucket, 2000, 1, 22)]);
        await QualityEvaluatorTests.PlantLabelsAsync(redis, keys, DateTimeOffset.UtcNow);
        // A record with no worker behind it: the gateway evaluates what registered workers serve.
        await new WorkerStore(redis, keys).RegisterAsync(new WorkerRecord("fake-quality", "http://127.0.0.1:1",
            [new ServedVersion(QualityEvaluatorTests.Model, "1"), new ServedVersion(QualityEvaluatorTests.Model, "2")], true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow),
            TimeSpan.FromMinutes(1));
        var logs = NewLogs();
        await using var gateway = GatewayHost.Build(new IPEndPoint(IPAddress.Loopback, 0), redis, o =>
        {
            o.Namespace = keys.Namespace;
            o.MonitorInterval = TimeSpan.FromSeconds(1);
        }, logs.Configure, new IPEndPoint(IPAddress.Loopback, 0));
        var evaluated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.Services.GetRequiredService<QualityMonitor>().Evaluated += reports =>
        {
            if (reports.Count == 2)
            {
                evaluated.TrySetResult();
            }
        };
        await gateway.StartAsync();
        await evaluated.Task.WaitAsync(TimeSpan.FromSeconds(60));

        using var http = new HttpClient();
        var page = PrometheusText.Parse(await http.GetStringAsync(ServerEndpoints.MetricsAddress(gateway) + "/metrics"))
            .Where(s => s.Label("model") == QualityEvaluatorTests.Model && s.Name.StartsWith("mlops_model_", StringComparison.Ordinal)).ToArray();
        await gateway.StopAsync();

        PrometheusSample One(string name, string version, params (string Label, string Value)[] labels) =>
            Assert.Single(page, s => s.Name == name && s.Label("version") == version && labels.All(l => s.Label(l.Label) == l.Value));
        var score = One("mlops_model_drift_score", "2", ("feature", "visits"), ("method", "ks"));
        var threshold = One("mlops_model_drift_threshold", "2", ("feature", "visits"), ("method", "ks"));
        Assert.True(score.Value > threshold.Value);
        One("mlops_model_drift_score", "2", ("feature", "visits"), ("method", "psi"));
        One("mlops_model_drift_score", "1", ("feature", "prediction"), ("method", "chi2"));
        Assert.Equal(1, One("mlops_model_drift_detected", "2", ("feature", "visits")).Value);
        Assert.Equal(0, One("mlops_model_drift_detected", "2", ("feature", "age")).Value);
        Assert.Equal(0, One("mlops_model_drift_detected", "1", ("feature", "*")).Value);
        Assert.Equal(["feature", "method", "model", "version"], score.Labels.Keys.Where(k => !k.StartsWith("otel_", StringComparison.Ordinal)).Order());
        Assert.Equal(["feature", "model", "version"], One("mlops_model_drift_detected", "2", ("feature", "visits")).Labels.Keys.Where(k => !k.StartsWith("otel_", StringComparison.Ordinal)).Order());
        Assert.Equal(0.8, One("mlops_model_accuracy", "1", ("metric", "accuracy")).Value, 9);
        Assert.True(One("mlops_model_accuracy_lower", "1", ("metric", "accuracy")).Value < 0.8);
        Assert.True(One("mlops_model_accuracy_upper", "1", ("metric", "accuracy")).Value > 0.8);
        Assert.Equal(0.75, One("mlops_model_label_coverage", "1").Value, 9);
        Assert.All(page, s => Assert.Contains(s.Name, Deploy.PrometheusRulesTests.ExportedNames));
    }
}
