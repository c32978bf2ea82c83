using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using MlopsGateway.Worker.Batching;

namespace MlopsGateway.Tests.Worker.Batching;

/// <summary>
/// The batching rules, driven by a fake clock: no test waits for real time to pass a delay. The
/// scheduler creates a timer exactly when it has looked at the queue and chosen to wait, so a test
/// that asserts nothing ran yet first waits for that timer.
/// </summary>
public sealed class DynamicBatcherTests : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly TimerWatch _timers;
    private readonly ConcurrentQueue<string[]> _batches = new();
    private DynamicBatcher<string, string>? _batcher;

    public DynamicBatcherTests() => _timers = new TimerWatch(_time);

    private DynamicBatcher<string, string> Create(BatcherOptions options, Func<IReadOnlyList<string>, string[]>? run = null)
    {
        _batcher = new DynamicBatcher<string, string>(options, run ?? (items =>
        {
            _batches.Enqueue([.. items]);
            return items.Select(i => "answer:" + i).ToArray();
        }), _timers, "model 'm' version 1");
        return _batcher;
    }

    public async ValueTask DisposeAsync()
    {
        if (_batcher is not null)
        {
            await _batcher.DisposeAsync();
        }
    }

    [Fact]
    public async Task SubmitAsync_BeforeMaxDelay_WaitsThenRunsTogether()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(10) });

        // One at a time, each answered by the scheduler's decision to wait for more.
        var tasks = new List<Task<string>>();
        foreach (var item in new[] { "a", "b", "c" })
        {
            var seen = _timers.Created;
            tasks.Add(batcher.SubmitAsync(item, 1, "k", null, default));
            await _timers.CreatedAsync(seen + 1).WaitAsync(s_timeout);
        }
        Assert.Empty(_batches);

        _time.Advance(TimeSpan.FromMilliseconds(10));
        var answers = await Task.WhenAll(tasks).WaitAsync(s_timeout);

        Assert.Equal(["answer:a", "answer:b", "answer:c"], answers);
        Assert.Equal(["a", "b", "c"], Assert.Single(_batches));
    }

    [Fact]
    public async Task SubmitAsync_MaxBatchReached_RunsWithoutWaitingAndNeverExceedsIt()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromSeconds(1) });

        var tasks = Enumerable.Range(0, 10).Select(i => batcher.SubmitAsync(i.ToString(), 1, "k", null, default)).ToArray();
        await Task.WhenAll(tasks.Take(8)).WaitAsync(s_timeout);
        Assert.Equal([4, 4], _batches.Select(b => b.Length));

        _time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(tasks).WaitAsync(s_timeout);
        Assert.Equal([4, 4, 2], _batches.Select(b => b.Length));
    }

    [Fact]
    public async Task SubmitAsync_MultiRowRequests_CountRowsTowardsTheLimit()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 5, MaxQueueDelay = TimeSpan.FromSeconds(1) });

        var big = batcher.SubmitAsync("three-rows", 3, "k", null, default);
        var fits = batcher.SubmitAsync("two-rows", 2, "k", null, default);
        var later = batcher.SubmitAsync("one-row", 1, "k", null, default);
        await Task.WhenAll(big, fits).WaitAsync(s_timeout);
        Assert.Equal(["three-rows", "two-rows"], Assert.Single(_batches));

        _time.Advance(TimeSpan.FromSeconds(1));
        await later.WaitAsync(s_timeout);
        Assert.Equal(["one-row"], _batches.Last());
    }

    [Fact]
    public async Task TakeLargestBatch_TheLargestRunSinceTheLastCall_ThenStartsAgain()
    {
        var batcher = Create(new BatcherOptions { Enabled = false, MaxBatchSize = 8 });

        await batcher.SubmitAsync("three-rows", 3, "k", null, default).WaitAsync(s_timeout);
        await batcher.SubmitAsync("one-row", 1, "k", null, default).WaitAsync(s_timeout);
        var first = batcher.TakeLargestBatch();
        var none = batcher.TakeLargestBatch();
        await batcher.SubmitAsync("two-rows", 2, "k", null, default).WaitAsync(s_timeout);

        Assert.Equal((3, 0, 2), (first, none, batcher.TakeLargestBatch()));
        Assert.Equal((3, 6), (batcher.Runs, batcher.RowsRun));
    }

    [Fact]
    public async Task SubmitAsync_RequestLargerThanMaxBatch_RunsAlone()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromSeconds(1) });
        await batcher.SubmitAsync("ten-rows", 10, "k", null, default).WaitAsync(s_timeout);
        Assert.Equal(["ten-rows"], Assert.Single(_batches));
    }

    [Fact]
    public async Task SubmitAsync_PreferredSizeFormed_RunsItAtOnceAndTheRestWaits()
    {
        var timersAtFirstRun = -1;
        var batcher = Create(new BatcherOptions
        {
            MaxBatchSize = 8,
            MaxQueueDelay = TimeSpan.FromSeconds(1),
            PreferredBatchSizes = [3],
        }, items =>
        {
            Interlocked.CompareExchange(ref timersAtFirstRun, _timers.Created, -1);
            _batches.Enqueue([.. items]);
            return items.Select(i => "answer:" + i).ToArray();
        });

        var tasks = Enumerable.Range(0, 4).Select(i => batcher.SubmitAsync(i.ToString(), 1, "k", null, default)).ToArray();
        await Task.WhenAll(tasks.Take(3)).WaitAsync(s_timeout);
        // A timer after the first batch was taken: the scheduler has seen the fourth alone and waits for more.
        await _timers.CreatedAsync(Volatile.Read(ref timersAtFirstRun) + 1).WaitAsync(s_timeout);
        Assert.Equal([3], _batches.Select(b => b.Length));
        Assert.False(tasks[3].IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(1));
        await tasks[3].WaitAsync(s_timeout);
        Assert.Equal([3, 1], _batches.Select(b => b.Length));
    }

    [Fact]
    public async Task SubmitAsync_DeadlinePassesInQueue_DroppedWithoutRunning()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(10) });

        var expiring = batcher.SubmitAsync("late", 1, "k", _time.GetUtcNow().AddMilliseconds(5), default);
        var patient = batcher.SubmitAsync("patient", 1, "k", null, default);
        _time.Advance(TimeSpan.FromMilliseconds(10));

        var ex = await Assert.ThrowsAsync<QueueDeadlineExceededException>(() => expiring.WaitAsync(s_timeout));
        Assert.Contains("did not run", ex.Message);
        await patient.WaitAsync(s_timeout);
        Assert.Equal(["patient"], Assert.Single(_batches));
    }

    [Fact]
    public async Task SubmitAsync_CallerCancels_LeavesTheQueueAndNeverRuns()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromSeconds(1) });
        using var cancel = new CancellationTokenSource();

        var cancelled = batcher.SubmitAsync("gone", 1, "k", null, cancel.Token);
        var kept = batcher.SubmitAsync("kept", 1, "k", null, default);
        Assert.Equal(2, batcher.QueueDepth);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(s_timeout));
        Assert.Equal(1, batcher.QueueDepth);
        _time.Advance(TimeSpan.FromSeconds(1));
        await kept.WaitAsync(s_timeout);
        Assert.Equal(["kept"], Assert.Single(_batches));
    }

    [Fact]
    public async Task SubmitAsync_QueueFull_RefusedAtOnceNamingTheLimit()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromSeconds(1), MaxQueueSize = 2 });

        var queued = new[] { batcher.SubmitAsync("1", 1, "k", null, default), batcher.SubmitAsync("2", 1, "k", null, default) };
        var ex = Assert.Throws<QueueFullException>(() => { _ = batcher.SubmitAsync("3", 1, "k", null, default); });

        Assert.Contains("model 'm' version 1", ex.Message);
        Assert.Contains("max_queue_size 2", ex.Message);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(queued).WaitAsync(s_timeout);
        Assert.Equal(["1", "2"], Assert.Single(_batches));
    }

    [Fact]
    public async Task SubmitAsync_DifferentBatchKeys_NeverMerged()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(10) });

        var tasks = new[] { ("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B") }
            .Select(x => batcher.SubmitAsync(x.Item1, 1, x.Item2, null, default)).ToArray();
        _time.Advance(TimeSpan.FromMilliseconds(10));
        await Task.WhenAll(tasks).WaitAsync(s_timeout);

        Assert.Equal([["a1", "a2"], ["b1", "b2"]], _batches.ToArray());
    }

    [Fact]
    public async Task SubmitAsync_BatchingDisabled_RunsOneRequestPerRun()
    {
        var batcher = Create(new BatcherOptions { Enabled = false, MaxQueueDelay = TimeSpan.FromSeconds(1) });
        var tasks = Enumerable.Range(0, 3).Select(i => batcher.SubmitAsync(i.ToString(), 1, "k", null, default)).ToArray();
        await Task.WhenAll(tasks).WaitAsync(s_timeout);
        Assert.All(_batches, b => Assert.Single(b));
        Assert.Equal(3, _batches.Count);
    }

    [Fact]
    public async Task SubmitAsync_OneRequestBreaksTheMergedRun_OnlyItFails()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(10) }, items =>
        {
            _batches.Enqueue([.. items]);
            return items.Contains("bad") ? throw new InvalidDataException("bad values") : items.Select(i => "answer:" + i).ToArray();
        });

        var good1 = batcher.SubmitAsync("good1", 1, "k", null, default);
        var bad = batcher.SubmitAsync("bad", 1, "k", null, default);
        var good2 = batcher.SubmitAsync("good2", 1, "k", null, default);
        _time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal("answer:good1", await good1.WaitAsync(s_timeout));
        Assert.Equal("answer:good2", await good2.WaitAsync(s_timeout));
        await Assert.ThrowsAsync<InvalidDataException>(() => bad.WaitAsync(s_timeout));
        Assert.Equal(["good1", "bad", "good2"], _batches.First());
        Assert.Equal([["good1"], ["bad"], ["good2"]], _batches.Skip(1));
    }

    [Fact]
    public async Task DrainAsync_QueuedRequests_FinishThenNewOnesRefused()
    {
        var batcher = Create(new BatcherOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromHours(1) });
        var queued = batcher.SubmitAsync("queued", 1, "k", null, default);

        await batcher.DrainAsync().WaitAsync(s_timeout);

        Assert.Equal("answer:queued", await queued);
        var ex = Assert.Throws<BatcherClosedException>(() => { _ = batcher.SubmitAsync("late", 1, "k", null, default); });
        Assert.Contains("unloading", ex.Message);
    }

    [Fact]
    public async Task SubmitAsync_TwoInstances_TwoBatchesRunAtOnce()
    {
        using var gate = new SemaphoreSlim(0);
        var running = 0;
        var peak = 0;
        var bothRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = Create(new BatcherOptions { MaxBatchSize = 1, Instances = 2 }, items =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            if (now == 2)
            {
                bothRunning.TrySetResult();
            }
            gate.Wait(s_timeout);
            Interlocked.Decrement(ref running);
            return items.ToArray();
        });

        var tasks = Enumerable.Range(0, 4).Select(i => batcher.SubmitAsync(i.ToString(), 1, "k", null, default)).ToArray();
        await bothRunning.Task.WaitAsync(s_timeout);
        Assert.Equal(2, batcher.Running);
        gate.Release(4);
        await Task.WhenAll(tasks).WaitAsync(s_timeout);
        Assert.Equal(2, peak);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
