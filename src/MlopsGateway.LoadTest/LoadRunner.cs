using System.Runtime.CompilerServices;
using Grpc.Core;
using HdrHistogram;
using MlopsGateway.LoadTest.Internal;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Runs a <see cref="LoadPlan"/> against a <see cref="LoadCall"/>: level by level, each a warm-up
/// and then a measurement, closed loop (N callers back to back) or open loop (requests on a
/// schedule, latency counted from each request's intended send time so that a stalled server
/// cannot hide its stall: coordinated omission). Free of DI and of any transport; time comes from a
/// <see cref="TimeProvider"/> so schedules can be tested with a fake clock.
/// </summary>
public sealed class LoadRunner
{
    private readonly LoadPlan _plan;
    private readonly LoadCall _call;
    private readonly TimeProvider _time;
    private readonly List<TimelinePoint> _timeline = [];
    private long _runStart;
    private DateTimeOffset _runStartWall;
    private int _started;
    private bool _metricsFailed;
    private HistogramBase? _lastInterval;
    private long _intervalStart;

    /// <exception cref="ArgumentException">The plan is invalid; the message lists every problem.</exception>
    public LoadRunner(LoadPlan plan, LoadCall call, TimeProvider? time = null)
    {
        var errors = plan.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(plan));
        }
        _plan = plan;
        _call = call;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Receives a live view every sample interval.</summary>
    public IProgress<LoadProgress>? Progress { get; init; }

    /// <summary>Called for every completed request, warm-up included, from the thread that completed it.</summary>
    public Action<RequestOutcome>? Completed { get; init; }

    /// <summary>
    /// Receives every sample interval's latencies and failures, warm-ups included, as they are taken
    /// (for <c>--hdr-log</c>); called from one thread at a time. Read the histograms during the call:
    /// the runner may add to them afterwards.
    /// </summary>
    public Action<IntervalSample>? Interval { get; init; }

    /// <summary>When set, scraped just before and just after each measurement.</summary>
    public ServerMetricsProbe? ServerMetrics { get; init; }

    /// <summary>Told about problems that do not stop the run (a failed scrape, say).</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>Runs every level once. A runner runs once.</summary>
    /// <param name="cancellationToken">Stops the run; levels measured so far are returned.</param>
    public async Task<LoadRunResult> RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A LoadRunner runs once; create another for another run.");
        }
        _runStart = _time.GetTimestamp();
        _runStartWall = _time.GetUtcNow();
        var levels = new List<LevelResult>();
        for (var level = 0; level < _plan.LevelCount && !cancellationToken.IsCancellationRequested; level++)
        {
            long warmupRequests = 0;
            if (_plan.Warmup > TimeSpan.Zero)
            {
                var warmup = await RunPhaseAsync(level, warmup: true, _plan.Warmup, cancellationToken).ConfigureAwait(false);
                warmupRequests = warmup.Recorder.Completed;
            }
            // The warm-up has drained, so the scrapes bracket exactly the measured requests.
            var before = await ScrapeAsync(cancellationToken).ConfigureAwait(false);
            var measured = await RunPhaseAsync(level, warmup: false, _plan.Duration, cancellationToken).ConfigureAwait(false);
            var after = before is null ? null : await ScrapeAsync(cancellationToken).ConfigureAwait(false);
            if (measured.Recorder.Completed == 0 && cancellationToken.IsCancellationRequested)
            {
                break;
            }
            var recorder = measured.Recorder;
            var ok = recorder.Ok;
            var seconds = measured.Seconds;
            levels.Add(new LevelResult
            {
                Index = level,
                Label = _plan.LevelLabel(level),
                Value = _plan.LevelValue(level),
                Requests = recorder.Completed,
                Ok = ok,
                ErrorsByStatus = recorder.ErrorsByStatus(),
                ErrorMessages = recorder.ErrorMessages(),
                WarmupRequests = warmupRequests,
                DurationSeconds = seconds,
                RowsPerSecond = seconds <= 0 ? 0 : ok * (double)_plan.RowsPerRequest / seconds,
                Latency = LatencySummary.From(recorder.Total),
                Histogram = recorder.Total,
                Server = before is not null && after is not null ? ServerMetrics!.Compare(before, after) : null,
            });
        }
        return new LoadRunResult(levels, _timeline.ToArray(), cancellationToken.IsCancellationRequested);
    }

    private async Task<IReadOnlyList<PrometheusSample>?> ScrapeAsync(CancellationToken cancellationToken)
    {
        // Once a scrape has failed, later ones are skipped: one warning, not one per level.
        if (ServerMetrics is null || _metricsFailed)
        {
            return null;
        }
        try
        {
            return await ServerMetrics.ScrapeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or FormatException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _metricsFailed = true;
            Warning?.Invoke($"Could not read the worker's metrics at {ServerMetrics.Url}: {ex.Message} The server-side split is left out.");
            return null;
        }
    }

    private async Task<(PhaseRecorder Recorder, double Seconds)> RunPhaseAsync(
        int level, bool warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        var recorder = new PhaseRecorder();
        var start = _time.GetTimestamp();
        _intervalStart = start;
        using var stopSampling = new CancellationTokenSource();
        var sampler = SampleAsync(level, warmup, recorder, start, duration, stopSampling.Token);
        try
        {
            if (_plan.Mode == LoadMode.Closed)
            {
                await RunClosedAsync(level, warmup, _plan.Concurrency[level], recorder, duration, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RunOpenAsync(level, warmup, _plan.Rates[level], recorder, start, duration, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await stopSampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
        }
        var seconds = _time.GetElapsedTime(start).TotalSeconds;
        Sample(level, warmup, recorder, start, duration, final: true);
        return (recorder, seconds);
    }

    private async Task RunClosedAsync(
        int level, bool warmup, int concurrency, PhaseRecorder recorder, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limitReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long issued = 0;

        async Task CallerAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                if (Interlocked.Increment(ref issued) > _plan.MaxRequestsPerLevel)
                {
                    limitReached.TrySetResult();
                    return;
                }
                var sent = _time.GetTimestamp();
                // The run's token, not the phase's: a request in flight when the phase ends is awaited, not abandoned.
                var (status, message) = await InvokeAsync(cancellationToken).ConfigureAwait(false);
                Record(level, warmup, recorder, sent, status, message);
            }
        }

        var callers = new Task[concurrency];
        for (var i = 0; i < callers.Length; i++)
        {
            callers[i] = Task.Run(CallerAsync, CancellationToken.None);
        }
        await Task.WhenAny(Task.Delay(duration, _time, stop.Token), limitReached.Task).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(callers).ConfigureAwait(false);
    }

    private async Task RunOpenAsync(
        int level, bool warmup, double rate, PhaseRecorder recorder, long start, TimeSpan duration, CancellationToken cancellationToken)
    {
        var schedule = new ArrivalSchedule(rate, _plan.Arrival, _plan.Seed + level);
        using var slots = new SemaphoreSlim(_plan.MaxInFlight, _plan.MaxInFlight);
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The dispatcher holds one count itself, so "drained" cannot fire before it has finished sending.
        var pending = 1;
        long sent = 0;

        async Task SendAsync(long due)
        {
            try
            {
                var (status, message) = await InvokeAsync(cancellationToken).ConfigureAwait(false);
                Record(level, warmup, recorder, due, status, message);
            }
            finally
            {
                slots.Release();
                if (Interlocked.Decrement(ref pending) == 0)
                {
                    drained.TrySetResult();
                }
            }
        }

        // On the system clock the schedule is kept by a thread of its own sleeping precisely; the
        // timer queue behind Task.Delay wakes a millisecond or two late, and an open loop counts
        // that lateness as latency. A fake clock (tests) keeps the awaitable delays.
        var precise = _time == TimeProvider.System;

        async Task DispatchAsync()
        {
            try
            {
                while (sent < _plan.MaxRequestsPerLevel)
                {
                    var offset = schedule.Next();
                    if (offset >= duration)
                    {
                        break;
                    }
                    var due = start + (long)(offset.Ticks * ((double)_time.TimestampFrequency / TimeSpan.TicksPerSecond));
                    if (precise)
                    {
                        // Blocking, on this loop's own thread: it wakes within tens of microseconds of "due".
                        PreciseSleep.Until(due, cancellationToken);
                        slots.Wait(cancellationToken);
                    }
                    else
                    {
                        var wait = _time.GetElapsedTime(_time.GetTimestamp(), due);
                        if (wait > TimeSpan.Zero)
                        {
                            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                        }
                        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    // At the in-flight limit the line above waits; the request's latency still counts from "due".
                    sent++;
                    Interlocked.Increment(ref pending);
                    _ = SendAsync(due);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }

        if (precise)
        {
            await Task.Factory.StartNew(DispatchAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                .Unwrap().ConfigureAwait(false);
        }
        else
        {
            await DispatchAsync().ConfigureAwait(false);
        }
        if (Interlocked.Decrement(ref pending) == 0)
        {
            drained.TrySetResult();
        }
        await drained.Task.ConfigureAwait(false);
    }

    // Pooled: one state machine per request otherwise, a share of the tool's own CPU at high rates.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(StatusCode Status, string? Message)> InvokeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _call(cancellationToken).ConfigureAwait(false);
            return (StatusCode.OK, null);
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Status.Detail);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (StatusCode.Cancelled, "The run was stopped.");
        }
        catch (Exception ex)
        {
            // Anything else (a refused connection surfaces as RpcException; this is the rest) counts as Unknown.
            return (StatusCode.Unknown, ex.Message);
        }
    }

    // sent: when the request was due (open loop) or sent (closed loop), a timestamp of the run's clock.
    private void Record(int level, bool warmup, PhaseRecorder recorder, long sent, StatusCode status, string? message)
    {
        // TimeSpan ticks are 100 ns.
        var microseconds = Math.Max(0, _time.GetElapsedTime(sent).Ticks / 10);
        recorder.Record(microseconds, status, message);
        if (Completed is { } completed)
        {
            completed(new RequestOutcome(level, warmup, Math.Min(microseconds, PhaseRecorder.HighestMicroseconds), status, WallClock(sent)));
        }
    }

    // The wall clock read once at the start, advanced by the monotonic clock: times within a run never jump.
    private DateTimeOffset WallClock(long timestamp) => _runStartWall + _time.GetElapsedTime(_runStart, timestamp);

    private async Task SampleAsync(int level, bool warmup, PhaseRecorder recorder, long start, TimeSpan duration, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_plan.SampleInterval, _time, cancellationToken).ConfigureAwait(false);
                Sample(level, warmup, recorder, start, duration);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sample(int level, bool warmup, PhaseRecorder recorder, long start, TimeSpan duration, bool final = false)
    {
        var (latencies, failures, requests, errors) = recorder.TakeInterval();
        var now = _time.GetTimestamp();
        // Before the timeline below may fold this interval into the one before it.
        Interval?.Invoke(new IntervalSample(level, warmup, WallClock(_intervalStart), WallClock(now), latencies, failures, recorder.MessagesByStatus()));
        _intervalStart = now;
        var seconds = _time.GetElapsedTime(_runStart, now).TotalSeconds;
        TimelinePoint point;
        lock (_timeline)
        {
            var previous = _timeline.Count > 0 ? _timeline[^1] : null;
            var sincePrevious = seconds - (previous?.Seconds ?? 0);
            // A phase's last interval can be a few milliseconds long; alone it would draw a spike of
            // noise, so it joins the interval before it when that belongs to the same phase.
            var merge = final && previous is not null && previous.Level == level && previous.Warmup == warmup
                && _lastInterval is not null && sincePrevious < _plan.SampleInterval.TotalSeconds / 2;
            var startSeconds = merge ? (_timeline.Count > 1 ? _timeline[^2].Seconds : 0) : previous?.Seconds ?? 0;
            if (merge)
            {
                latencies.Add(_lastInterval!);
                requests += previous!.Requests;
                errors += previous.Errors;
                _timeline.RemoveAt(_timeline.Count - 1);
            }
            var interval = Math.Max(seconds - startSeconds, 1e-6);
            var summary = LatencySummary.From(latencies);
            point = new TimelinePoint(seconds, level, warmup, requests, errors, latencies.TotalCount / interval,
                summary.P50, summary.P99, summary.Max);
            _timeline.Add(point);
            _lastInterval = latencies;
        }
        Progress?.Report(new LoadProgress(level, _plan.LevelLabel(level), warmup, _time.GetElapsedTime(start, now), duration,
            recorder.Completed, recorder.Errors, point.Throughput, point.P99Milliseconds, final));
    }
}
