using MlopsGateway.LoadTest;

namespace MlopsGateway.Tests.LoadTest;

public class PrometheusTextTests
{
    private const string Page = """
        # HELP mlops_worker_requests_total Inference requests answered.
        # TYPE mlops_worker_requests_total counter
        mlops_worker_requests_total{model="propensity",version="2",status="OK"} 1027 1732665600000
        mlops_worker_requests_total{model="propensity",version="2",status="INVALID_ARGUMENT"} 3
        # TYPE mlops_worker_queue_duration_seconds histogram
        mlops_worker_queue_duration_seconds_bucket{model="propensity",version="2",le="0.001"} 1000
        mlops_worker_queue_duration_seconds_bucket{model="propensity",version="2",le="+Inf"} 1030
        mlops_worker_queue_duration_seconds_sum{model="propensity",version="2"} 0.515
        mlops_worker_queue_duration_seconds_count{model="propensity",version="2"} 1030
        odd_labels{path="C:\\temp\\x",quote="say \"hi\"",multi="a\nb",} NaN
        no_labels 4.5e-3
        # EOF
        """;

    [Fact]
    public void Parse_OpenTelemetryStylePage_ReadsNamesLabelsAndValues()
    {
        var samples = PrometheusText.Parse(Page);

        Assert.Equal(8, samples.Count);
        var ok = samples[0];
        Assert.Equal("mlops_worker_requests_total", ok.Name);
        Assert.Equal(1027, ok.Value);
        Assert.Equal(("propensity", "2", "OK"), (ok.Label("model"), ok.Label("version"), ok.Label("status")));
        Assert.Equal("+Inf", samples[3].Label("le"));
        Assert.Equal(0.515, samples[4].Value);
        var odd = samples[6];
        Assert.True(double.IsNaN(odd.Value));
        Assert.Equal(@"C:\temp\x", odd.Label("path"));
        Assert.Equal("say \"hi\"", odd.Label("quote"));
        Assert.Equal("a\nb", odd.Label("multi"));
        Assert.Equal(("no_labels", 0.0045), (samples[7].Name, samples[7].Value));
        Assert.Empty(samples[7].Labels);
    }

    [Theory]
    [InlineData("metric{model=\"a\" 1", "line 2")]
    [InlineData("metric{model=a} 1", "not followed by =\"value\"")]
    [InlineData("metric one", "'one' is not a number")]
    [InlineData("metric", "has no value")]
    [InlineData("{model=\"a\"} 1", "expected a metric name")]
    public void Parse_BadLine_SaysWhichLineAndWhy(string line, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => PrometheusText.Parse("# HELP fine\n" + line));
        Assert.Contains("line 2", ex.Message);
        Assert.Contains(expected, ex.Message);
    }
}
