using Grpc.Core;
using HdrHistogram;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Tests.LoadTest;

/// <summary>
/// <c>--hdr-log</c> files written by <see cref="HdrLogWriter"/> from known values, read back with
/// HdrHistogram's own reader (<see cref="AgentLog"/>) and combined by <see cref="LogMerge"/>.
/// </summary>
public sealed class LogMergeTests : IDisposable
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 1, 23, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Directory.CreateTempSubdirectory("mlops-hlog-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static LoadPlan Plan() => new() { Concurrency = [2, 8], Warmup = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(2) };

    private static LoadReport Header(string model = "propensity", DateTimeOffset? start = null) => new()
    {
        Target = "http://127.0.0.1:5000", Model = model, Mode = LoadMode.Closed, Inputs = "features FP32 [1, 5] random (raw)",
        StartedAt = start ?? s_start, Levels = [], Timeline = [],
    };

    private static LongHistogram Histogram(IEnumerable<long> values)
    {
        var histogram = new LongHistogram(1, 3_600_000_000, 3);
        foreach (var value in values)
        {
            histogram.RecordValue(value);
        }
        return histogram;
    }

    private static IntervalSample Sample(int level, bool warmup, double from, double to, IEnumerable<long> ok, IEnumerable<long>? unavailable = null) =>
        new(level, warmup, s_start.AddSeconds(from), s_start.AddSeconds(to), Histogram(ok),
            unavailable is null ? new Dictionary<StatusCode, HistogramBase>() : new Dictionary<StatusCode, HistogramBase> { [StatusCode.Unavailable] = Histogram(unavailable) },
            unavailable is null ? new Dictionary<StatusCode, string>() : new Dictionary<StatusCode, string> { [StatusCode.Unavailable] = "worker gone, 50% of them" });

    private string Write(string name, LoadReport header, params IntervalSample[] samples)
    {
        var path = Path.Combine(_folder, name);
        using var writer = new HdrLogWriter(path, header, Plan());
        foreach (var sample in samples)
        {
            writer.Write(sample);
        }
        writer.Finish(header with { ClientCpuSeconds = 1.5 });
        return path;
    }

    private static (long Value, long Count)[] Counts(HistogramBase histogram) =>
        histogram.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo)).ToArray();

    [Fact]
    public void Merge_TwoAgents_LevelHistogramEqualsOneOfEveryValue()
    {
        var random = new Random(7);
        long[] Values(int n) => Enumerable.Range(0, n).Select(_ => (long)random.Next(50, 2_000_000)).ToArray();
        var (a1, a2, b1, b2, b3) = (Values(500), Values(300), Values(400), Values(250), Values(50));
        // Agent b started 0.4 s after agent a; level 1 only from b.
        var a = Write("a.hlog", Header(),
            Sample(0, true, 0, 1, Values(100)),
            Sample(0, false, 1, 2, a1, unavailable: [900, 1200]),
            Sample(0, false, 2, 3, a2));
        var b = Write("b.hlog", Header(start: s_start.AddSeconds(0.4)),
            Sample(0, true, 0.4, 1.4, Values(80), unavailable: [5]),
            Sample(0, false, 1.4, 2.4, b1),
            Sample(0, false, 2.4, 3.4, b2, unavailable: [70_000]),
            Sample(1, false, 4.4, 5.4, b3));

        var report = LogMerge.Merge([AgentLog.Read(a), AgentLog.Read(b)]);

        Assert.Equal(["c=2", "c=8"], report.Levels.Select(l => l.Label));
        var level = report.Levels[0];
        Assert.Equal(Counts(Histogram(a1.Concat(a2).Concat(b1).Concat(b2))), Counts(level.Histogram!));
        Assert.Equal(LatencySummary.From(Histogram(a1.Concat(a2).Concat(b1).Concat(b2))), level.Latency);
        Assert.Equal((1450L + 3, 1450L), (level.Requests, level.Ok));
        Assert.Equal(new Dictionary<string, long> { ["Unavailable"] = 3 }, level.ErrorsByStatus);
        Assert.Equal("worker gone, 50% of them", level.ErrorMessages["Unavailable"]);
        Assert.Equal(100 + 80 + 1, level.WarmupRequests);
        // From a's first measured interval (1 s) to b's last end (3.4 s); HdrHistogram's reader
        // truncates its timestamps to the millisecond, so either end can read 1 ms early.
        Assert.InRange(level.DurationSeconds, 2.398, 2.402);
        Assert.InRange(level.Throughput, 1450 / 2.402, 1450 / 2.398);
        Assert.Equal(Counts(Histogram(b3)), Counts(report.Levels[1].Histogram!));
        Assert.Equal(8, report.Levels[1].Value);
        Assert.Equal(s_start, report.StartedAt);
        Assert.False(report.Stopped);

        // The timeline aligns by absolute time: a's (1, 2] and b's (1.4, 2.4] are one point, a's (2, 3] and b's (2.4, 3.4] the next.
        var measured = report.Timeline.Where(p => p.Level == 0 && !p.Warmup).ToList();
        Assert.Equal([2.0, 3.0], measured.Select(p => p.Seconds));
        Assert.Equal([a1.Length + 2L + b1.Length, a2.Length + b2.Length + 1L], measured.Select(p => p.Requests));
        Assert.Equal([2L, 1L], measured.Select(p => p.Errors));
        Assert.Equal(report.Levels[0].Requests, measured.Sum(p => p.Requests));
    }

    [Fact]
    public void Merge_DifferentModels_RefusedNamingBothFiles()
    {
        var a = Write("a.hlog", Header(), Sample(0, false, 1, 2, [100]));
        var b = Write("b.hlog", Header(model: "resnet18"), Sample(0, false, 1, 2, [100]));

        var error = Assert.Throws<ArgumentException>(() => LogMerge.Merge([AgentLog.Read(a), AgentLog.Read(b)]));

        Assert.Contains($"{b} has model 'resnet18' where {a} has 'propensity'", error.Message);
        Assert.Contains("same plan", error.Message);
    }

    [Fact]
    public void Read_NotAnHdrHistogramLog_RefusedSayingSo()
    {
        var text = Path.Combine(_folder, "notes.hlog");
        File.WriteAllText(text, "p99 was fine, trust me\n");

        var error = Assert.Throws<FormatException>(() => AgentLog.Read(text));

        Assert.Contains($"{text} is not an HdrHistogram log", error.Message);
    }

    [Fact]
    public void Read_HdrHistogramLogOfAnotherTool_RefusedSayingWhatIsMissing()
    {
        var foreign = Path.Combine(_folder, "wrk2.hlog");
        using (var file = File.Create(foreign))
        {
            var histogram = Histogram([100, 200]);
            histogram.StartTimeStamp = s_start.ToUnixTimeMilliseconds();
            histogram.EndTimeStamp = s_start.AddSeconds(1).ToUnixTimeMilliseconds();
            HistogramLogWriter.Write(file, s_start.UtcDateTime, histogram);
        }

        var error = Assert.Throws<FormatException>(() => AgentLog.Read(foreign));

        Assert.Contains("was not written by mlops loadtest --hdr-log", error.Message);
    }

    [Fact]
    public void Read_AgentKilledBeforeTheEnd_ReadsWhatItWroteAndSaysItDidNotFinish()
    {
        var path = Path.Combine(_folder, "killed.hlog");
        var writer = new HdrLogWriter(path, Header(), Plan());
        writer.Write(Sample(0, false, 1, 2, [100, 300]));
        writer.Dispose();

        var log = AgentLog.Read(path);
        var report = LogMerge.Merge([log]);

        Assert.False(log.Finished);
        Assert.True(report.Stopped);
        Assert.Equal(2, report.Levels.Single().Ok);
    }
}
