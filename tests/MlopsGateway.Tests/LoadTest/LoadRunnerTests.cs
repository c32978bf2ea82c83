using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MlopsGateway.LoadTest;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Tests.LoadTest;

public class LoadRunnerTests
{
    [Fact]
    public async Task RunAsync_OpenLoopServerStalls_LatencyCountsFromIntendedSendTime()
    {
        // 10 requests/s for 1 s, one in flight at a time; the first answer takes 500 ms. A load tool
        // that timed from the actual send would see one slow request and nine fast ones; the
        // requests due at 100..400 ms were held up, and their latency must say so.
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var stall = new TaskCompletionSource();
        var calls = 0;
        var outcomes = new ConcurrentQueue<RequestOutcome>();
        var plan = new LoadPlan
        {
            Mode = LoadMode.Open, Rates = [10], Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(1), MaxInFlight = 1,
            SampleInterval = TimeSpan.FromSeconds(10),
        };
        var runner = new LoadRunner(plan, _ => Interlocked.Increment(ref calls) == 1 ? new ValueTask(stall.Task) : ValueTask.CompletedTask, time)
        {
            Completed = outcomes.Enqueue,
        };

        var run = runner.RunAsync(CancellationToken.None);
        await AdvanceTo(time, 500);
        Assert.Empty(outcomes);
        stall.SetResult();
        await Until(() => outcomes.Count == 6);
        foreach (var due in new[] { 600, 700, 800, 900 })
        {
            await AdvanceTo(time, due);
            await Until(() => outcomes.Count == (due / 100) + 1);
        }
        await AdvanceTo(time, 1000);
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([500_000L, 400_000, 300_000, 200_000, 100_000, 0, 0, 0, 0, 0], outcomes.Select(o => o.LatencyMicroseconds));
        // Each is stamped with when it was due, not when it went out or came back.
        Assert.Equal(Enumerable.Range(0, 10).Select(i => DateTimeOffset.UnixEpoch.AddMilliseconds(100 * i)), outcomes.Select(o => o.SentAt));
        var level = Assert.Single(result.Levels);
        Assert.Equal((10L, 10L), (level.Requests, level.Ok));
        Assert.InRange(level.Latency.Max, 500, 500.5);
        Assert.InRange(level.Latency.P50, 0, 0.001);
    }

    [Fact]
    public async Task RunAsync_OpenLoopOnTime_EveryScheduledRequestSentOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var sent = 0;
        var plan = new LoadPlan
        {
            Mode = LoadMode.Open, Rates = [200], Arrival = ArrivalProcess.Poisson, Warmup = TimeSpan.FromMilliseconds(500),
            Duration = TimeSpan.FromSeconds(2), SampleInterval = TimeSpan.FromMilliseconds(250), Seed = 3,
        };
        var runner = new LoadRunner(plan, _ =>
        {
            Interlocked.Increment(ref sent);
            return ValueTask.CompletedTask;
        }, time);

        var run = runner.RunAsync(CancellationToken.None);
        // Keep the clock moving until the run ends: when its continuations lag behind the clock, the
        // next phase starts later in fake time, which changes nothing the schedule decides.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var step = 1; !run.IsCompleted && DateTime.UtcNow < deadline; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            if (step % 50 == 0)
            {
                await Task.Delay(1);
            }
            else
            {
                await Task.Yield();
            }
        }
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        // The schedule alone decides how many requests each phase sends.
        static int Due(double rate, int seed, TimeSpan duration)
        {
            var schedule = new ArrivalSchedule(rate, ArrivalProcess.Poisson, seed);
            var count = 0;
            while (schedule.Next() < duration)
            {
                count++;
            }
            return count;
        }
        var level = Assert.Single(result.Levels);
        Assert.Equal(Due(200, 3, plan.Warmup), level.WarmupRequests);
        Assert.Equal(Due(200, 3, plan.Duration), level.Requests);
        Assert.Equal(sent, level.WarmupRequests + level.Requests);
        Assert.InRange(level.Requests, 340, 460);
        Assert.Contains(result.Timeline, p => p.Warmup);
        Assert.Contains(result.Timeline, p => !p.Warmup);
    }

    [Fact]
    public async Task RunAsync_ClosedLoop_HistogramPercentilesMatchRawLatencies()
    {
        var outcomes = new ConcurrentQueue<RequestOutcome>();
        var random = new Random(5);
        var plan = new LoadPlan { Concurrency = [4], Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(30), MaxRequestsPerLevel = 400 };
        var runner = new LoadRunner(plan, async _ =>
        {
            int delay;
            lock (random)
            {
                delay = random.Next(0, 3);
            }
            await Task.Delay(delay);
        })
        {
            Completed = outcomes.Enqueue,
        };

        var level = Assert.Single((await runner.RunAsync(CancellationToken.None)).Levels);

        Assert.Equal(400, level.Requests);
        Assert.Equal(400, outcomes.Count);
        var raw = outcomes.Select(o => o.LatencyMicroseconds).Order().ToArray();
        foreach (var percentile in new[] { 50, 90, 95, 99, 99.9, 100 })
        {
            // HdrHistogram's rule: the smallest value with at least percentile% of the count at or below it,
            // reported as the top of its bucket (3 significant digits).
            var rank = Math.Max(1, (long)((percentile / 100 * raw.Length) + 0.5));
            var reference = raw[rank - 1];
            // Rounded: the summary holds milliseconds, and 8059 µs came back as 8058.9999999999991 once.
            var measured = Math.Round(level.Latency.Percentile(percentile) * 1000, 3);
            Assert.InRange(measured, reference, (reference * 1.001) + 1);
        }
    }

    [Fact]
    public async Task RunAsync_WithWorkerMetrics_ServerCountsEqualClientCountsPerLevel()
    {
        // A real HTTP server stands in for the worker's Prometheus page; each call counts itself on it.
        var served = 0L;
        await using var page = await MetricsPage(() =>
        {
            var n = Interlocked.Read(ref served);
            return $$"""
                mlops_worker_requests_total{model="m",version="1",status="OK"} {{n}}
                mlops_worker_requests_total{model="other",version="1",status="OK"} 999
                mlops_worker_queue_duration_seconds_sum{model="m",version="1"} {{n * 0.002}}
                mlops_worker_queue_duration_seconds_count{model="m",version="1"} {{n}}
                mlops_worker_queue_duration_seconds_bucket{model="m",version="1",le="0.001"} 0
                mlops_worker_queue_duration_seconds_bucket{model="m",version="1",le="0.003"} {{n}}
                mlops_worker_queue_duration_seconds_bucket{model="m",version="1",le="+Inf"} {{n}}
                mlops_worker_compute_duration_seconds_sum{model="m",version="1"} {{n / 4 * 0.010}}
                mlops_worker_compute_duration_seconds_count{model="m",version="1"} {{n / 4}}
                mlops_worker_batch_size_sum{model="m",version="1"} {{n / 4 * 4}}
                mlops_worker_batch_size_count{model="m",version="1"} {{n / 4}}
                """;
        });
        using var probe = new ServerMetricsProbe(new Uri(page.Address + "/metrics"), "m", null);
        var plan = new LoadPlan { Concurrency = [1, 4], Warmup = TimeSpan.FromMilliseconds(200), Duration = TimeSpan.FromSeconds(30), MaxRequestsPerLevel = 200 };
        // A fake clock ends each warm-up only once it has had calls: on a busy machine the callers
        // can start later than a real 200 ms warm-up lasts, and an empty warm-up proves nothing.
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var warmupCalls = new int[2];
        var runner = new LoadRunner(plan, async _ =>
        {
            await Task.Yield();
            Interlocked.Increment(ref served);
        }, time)
        {
            ServerMetrics = probe,
            Completed = outcome =>
            {
                if (outcome.Warmup)
                {
                    Interlocked.Increment(ref warmupCalls[outcome.Level]);
                }
            },
        };

        var run = runner.RunAsync(CancellationToken.None);
        foreach (var level in new[] { 0, 1 })
        {
            await Until(() => Volatile.Read(ref warmupCalls[level]) >= 10);
            time.Advance(plan.Warmup);
        }
        var result = await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(result.Levels, level =>
        {
            Assert.Equal(200, level.Requests);
            Assert.True(level.WarmupRequests > 0);
            Assert.Equal(level.Requests, level.Server!.Requests);
            Assert.Equal(new Dictionary<string, long> { ["OK"] = 200 }, level.Server.RequestsByStatus);
            Assert.Equal(200, level.Server.Queue!.Count);
            Assert.Equal(2.0, level.Server.Queue.Mean, 6);
            // Every observation lies in (1 ms, 3 ms]: the median interpolates to the middle, 2 ms.
            Assert.Equal(2.0, level.Server.Queue.P50, 6);
            Assert.Equal(10.0, level.Server.Compute!.Mean, 6);
            Assert.Null(level.Server.Request);
            Assert.Equal(4.0, level.Server.BatchSize!.Value, 6);
        });
        Assert.Equal(served, result.Levels.Sum(l => l.Requests + l.WarmupRequests));
    }

    [Fact]
    public async Task RunAsync_CallsFail_CountedByStatusWithTheirMessage()
    {
        var calls = 0;
        var plan = new LoadPlan { Concurrency = [2], Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(30), MaxRequestsPerLevel = 100 };
        var runner = new LoadRunner(plan, _ => Interlocked.Increment(ref calls) % 4 == 0
            ? throw new RpcException(new Status(StatusCode.Unavailable, "no worker could be reached"))
            : ValueTask.CompletedTask);

        var level = Assert.Single((await runner.RunAsync(CancellationToken.None)).Levels);

        Assert.Equal((100L, 75L, 25L), (level.Requests, level.Ok, level.Errors));
        Assert.Equal(new Dictionary<string, long> { ["Unavailable"] = 25 }, level.ErrorsByStatus);
        Assert.Equal("no worker could be reached", level.ErrorMessages["Unavailable"]);
        Assert.Equal(0.25, level.ErrorRate);
    }

    [Fact]
    public void Constructor_InvalidPlan_ListsEveryProblem()
    {
        var plan = new LoadPlan { Concurrency = [0], Duration = TimeSpan.Zero, MaxInFlight = 0 };
        var ex = Assert.Throws<ArgumentException>(() => new LoadRunner(plan, _ => ValueTask.CompletedTask));
        Assert.Contains("Concurrency must be between 1 and 10000", ex.Message);
        Assert.Contains("Duration must be above 0", ex.Message);
        Assert.Contains("in-flight limit", ex.Message);
    }

    private static async Task AdvanceTo(FakeTimeProvider time, int milliseconds)
    {
        while (time.GetUtcNow() < DateTimeOffset.UnixEpoch.AddMilliseconds(milliseconds))
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            await Task.Yield();
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }
        Assert.True(condition());
    }

    private static async Task<PageServer> MetricsPage(Func<string> text)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(text(), "text/plain; version=0.0.4"));
        await app.StartAsync();
        return new PageServer(app, ServerEndpoints.GrpcAddress(app));
    }

    private sealed record PageServer(WebApplication App, string Address) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
