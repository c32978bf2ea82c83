using HdrHistogram;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Tests.LoadTest;

public class SloRuleTests
{
    private static LevelResult Level(double p99, long requests, long ok, double seconds = 10) => new()
    {
        Index = 0,
        Label = "c=64",
        Value = 64,
        Requests = requests,
        Ok = ok,
        ErrorsByStatus = new Dictionary<string, long>(),
        ErrorMessages = new Dictionary<string, string>(),
        WarmupRequests = 0,
        DurationSeconds = seconds,
        RowsPerSecond = ok / seconds,
        Latency = new LatencySummary(1, 5, 4, 10, 20, p99, p99, p99),
        Histogram = new LongHistogram(1000, 3),
    };

    [Theory]
    [InlineData("p99<50ms", SloMetric.P99, "<", 50)]
    [InlineData(" p50 <= 2.5 ms ", SloMetric.P50, "<=", 2.5)]
    [InlineData("p99.9<1s", SloMetric.P999, "<", 1000)]
    [InlineData("max<250us", SloMetric.Max, "<", 0.25)]
    [InlineData("errors<0.1%", SloMetric.ErrorRate, "<", 0.1)]
    [InlineData("errors=0", SloMetric.ErrorCount, "=", 0)]
    [InlineData("throughput>=200", SloMetric.Throughput, ">=", 200)]
    [InlineData("rps>100/s", SloMetric.Throughput, ">", 100)]
    public void Parse_Rule_MetricComparisonAndThresholdInMetricUnit(string text, SloMetric metric, string comparison, double threshold)
    {
        var rule = SloRule.Parse(text);
        Assert.Equal((metric, comparison), (rule.Metric, rule.Comparison));
        Assert.Equal(threshold, rule.Threshold, 9);
    }

    [Fact]
    public void ParseList_CommaSeparated_EveryRuleInOrder()
    {
        var rules = SloRule.ParseList("p99<50ms,errors<0.1%");
        Assert.Equal([SloMetric.P99, SloMetric.ErrorRate], rules.Select(r => r.Metric));
    }

    [Theory]
    [InlineData("p99<50", "give the latency a unit")]
    [InlineData("p42<5ms", "unknown metric 'p42'")]
    [InlineData("errors<5ms", "is not a unit of errors")]
    [InlineData("p99 about 5ms", "is not METRIC OP VALUE")]
    [InlineData(",", "holds no rule")]
    public void ParseList_Unreadable_ExplainsWhy(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => SloRule.ParseList(text));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Evaluate_P99OverLimit_MissedWithByHowMuch()
    {
        var outcomes = SloOutcome.Evaluate(SloRule.ParseList("p99<50ms,errors<0.1%"), [Level(p99: 73.2, requests: 1000, ok: 1000)]);

        var p99 = outcomes[0];
        Assert.False(p99.Met);
        Assert.Equal("SLO missed: p99<50ms at c=64: measured 73.20 ms, 23.20 ms (46.4%) over the limit of 50.00 ms.", p99.Message);
        Assert.True(outcomes[1].Met);
    }

    [Fact]
    public void Evaluate_ErrorRateOverLimit_Missed()
    {
        var outcome = Assert.Single(SloOutcome.Evaluate([SloRule.Parse("errors<0.1%")], [Level(p99: 1, requests: 1000, ok: 990)]));
        Assert.False(outcome.Met);
        Assert.Equal(1.0, outcome.Actual, 9);
        Assert.Contains("measured 1%, 0.9% (900%) over the limit of 0.1%", outcome.Message);
    }

    [Fact]
    public void Evaluate_LatencyRuleWhenNothingSucceeded_MissedNotVacuouslyMet()
    {
        var outcome = Assert.Single(SloOutcome.Evaluate([SloRule.Parse("p99<50ms")], [Level(p99: 0, requests: 20, ok: 0)]));
        Assert.False(outcome.Met);
        Assert.Contains("no request succeeded", outcome.Message);
    }

    [Fact]
    public void Evaluate_ThroughputUnderLimit_SaysUnder()
    {
        var outcome = Assert.Single(SloOutcome.Evaluate([SloRule.Parse("throughput>=200")], [Level(p99: 1, requests: 1500, ok: 1500)]));
        Assert.False(outcome.Met);
        Assert.Contains("under the limit of 200.0 req/s", outcome.Message);
    }
}
