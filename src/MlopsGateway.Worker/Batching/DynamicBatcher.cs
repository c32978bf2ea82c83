namespace MlopsGateway.Worker.Batching;

/// <summary>
/// Queues requests for one model version and runs them in batches: up to
/// <see cref="BatcherOptions.MaxBatchSize"/> rows, waiting at most <see cref="BatcherOptions.MaxQueueDelay"/>
/// for the oldest, cutting early at a preferred size, and only merging requests with the same batch key
/// (the same non-batch dimensions and outputs). Free of DI and of gRPC: time comes from a
/// <see cref="TimeProvider"/> and runs from a delegate, so every rule is testable without sleeps.
/// </summary>
/// <typeparam name="TItem">A validated request.</typeparam>
/// <typeparam name="TResult">Its answer.</typeparam>
internal sealed class DynamicBatcher<TItem, TResult> : IAsyncDisposable
{
    private readonly BatcherOptions _options;
    private readonly Func<IReadOnlyList<TItem>, TResult[]> _run;
    private readonly TimeProvider _time;
    private readonly string _label;
    private readonly int _largestPreferred;
    private readonly object _lock = new();
    // Oldest first. A list rather than a channel: a batch takes compatible requests from anywhere
    // in the queue and leaves the rest in order, which a channel cannot do.
    private readonly List<Pending> _queue = [];
    private readonly SemaphoreSlim _instances;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _scheduler;
    private TaskCompletionSource _arrival = NewSignal();
    private int _running;
    private long _runs;
    private long _rowsRun;
    // Rows of the largest batch since TakeLargestBatch last read it (the heartbeat's figure).
    private long _largest;
    private bool _closed;

    /// <param name="options">Batching rules.</param>
    /// <param name="run">Runs one batch; returns one result per item, in order. Called on the thread pool.</param>
    /// <param name="time">The clock for delays and deadlines.</param>
    /// <param name="label">"model 'x' version y", for messages.</param>
    public DynamicBatcher(BatcherOptions options, Func<IReadOnlyList<TItem>, TResult[]> run, TimeProvider time, string label)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxQueueSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Instances, 1);
        _options = options;
        _run = run;
        _time = time;
        _label = label;
        _largestPreferred = options.PreferredBatchSizes.Count == 0 ? 0 : options.PreferredBatchSizes.Max();
        _instances = new SemaphoreSlim(options.Instances, options.Instances);
        _scheduler = Task.Run(ScheduleAsync);
    }

    /// <summary>Requests waiting to run.</summary>
    public int QueueDepth
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Batches running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Batches run so far (a failed merged run retried request by request counts once).</summary>
    public long Runs => Interlocked.Read(ref _runs);

    /// <summary>Rows run so far; with <see cref="Runs"/>, the average batch size.</summary>
    public long RowsRun => Interlocked.Read(ref _rowsRun);

    /// <summary>
    /// Rows of the largest batch run since the last call (0 when none ran), and starts a new period.
    /// One reader only: the worker's heartbeat, which reports it per heartbeat interval.
    /// </summary>
    public long TakeLargestBatch() => Interlocked.Exchange(ref _largest, 0);

    /// <summary>
    /// Queues <paramref name="item"/> and completes with its result once its batch has run.
    /// </summary>
    /// <param name="item">The request.</param>
    /// <param name="rows">Its rows (the size of its first dimension).</param>
    /// <param name="batchKey">Requests are merged only with requests of the same key.</param>
    /// <param name="deadline">When the caller stops waiting; the request is dropped, not run, after it.</param>
    /// <param name="cancellationToken">The caller went away; the request is dropped, not run.</param>
    /// <exception cref="QueueFullException">The queue is full; nothing was queued.</exception>
    /// <exception cref="QueueDeadlineExceededException">The deadline passed before the request ran.</exception>
    /// <exception cref="BatcherClosedException">The batcher is draining or closed.</exception>
    /// <exception cref="OperationCanceledException">The caller cancelled before the request ran.</exception>
    public Task<TResult> SubmitAsync(TItem item, long rows, string batchKey, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<TResult>(cancellationToken);
        }
        var pending = new Pending(item, rows, batchKey, _time.GetUtcNow(), deadline);
        lock (_lock)
        {
            if (_closed)
            {
                throw new BatcherClosedException($"{_label} is unloading and takes no new requests.");
            }
            if (_queue.Count >= _options.MaxQueueSize)
            {
                throw new QueueFullException(
                    $"{_label} has {_queue.Count} requests queued, its limit (max_queue_size {_options.MaxQueueSize}); retry later or add workers.");
            }
            _queue.Add(pending);
            _arrival.TrySetResult();
        }
        if (cancellationToken.CanBeCanceled)
        {
            pending.Registration = cancellationToken.Register(static state =>
            {
                var (batcher, p, token) = ((DynamicBatcher<TItem, TResult>, Pending, CancellationToken))state!;
                batcher.Cancel(p, token);
            }, (this, pending, cancellationToken));
        }
        return pending.Completion.Task;
    }

    /// <summary>
    /// Stops taking requests, lets every queued and running request finish, then stops the scheduler.
    /// </summary>
    public async Task DrainAsync()
    {
        lock (_lock)
        {
            _closed = true;
            _arrival.TrySetResult();
        }
        while (true)
        {
            lock (_lock)
            {
                if (_queue.Count == 0 && Running == 0)
                {
                    break;
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System).ConfigureAwait(false);
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _scheduler.ConfigureAwait(false);
    }

    /// <summary>Drains, then releases the scheduler's resources.</summary>
    public async ValueTask DisposeAsync()
    {
        await DrainAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _instances.Dispose();
    }

    private async Task ScheduleAsync()
    {
        var stop = _stopping.Token;
        try
        {
            while (true)
            {
                // Take an instance first, then form the batch: while every instance is busy,
                // requests keep queueing and the next batch is as large as the load allows.
                await _instances.WaitAsync(stop).ConfigureAwait(false);
                var batch = await FormBatchAsync(stop).ConfigureAwait(false);
                Interlocked.Increment(ref _running);
                _ = Task.Run(() => Execute(batch), CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task<List<Pending>> FormBatchAsync(CancellationToken stop)
    {
        while (true)
        {
            Task arrival;
            TimeSpan wait;
            DateTimeOffset now;
            lock (_lock)
            {
                now = _time.GetUtcNow();
                DropExpired(now);
                if (_queue.Count > 0)
                {
                    var batch = TryTakeBatch(now, out wait);
                    if (batch is not null)
                    {
                        return batch;
                    }
                }
                else
                {
                    wait = Timeout.InfiniteTimeSpan;
                }
                if (_arrival.Task.IsCompleted)
                {
                    _arrival = NewSignal();
                }
                arrival = _arrival.Task;
            }

            if (wait == Timeout.InfiniteTimeSpan)
            {
                await arrival.WaitAsync(stop).ConfigureAwait(false);
            }
            else
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var delay = Task.Delay(wait, _time, timeout.Token);
                // The clock may have moved between reading it and starting the timer, which then
                // runs from the later time and would overshoot; if the due time has already
                // passed, form the batch now.
                if (_time.GetUtcNow() < now + wait)
                {
                    await Task.WhenAny(arrival, delay).ConfigureAwait(false);
                }
                await timeout.CancelAsync().ConfigureAwait(false);
                stop.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>
    /// The batch to run now, removed from the queue; or null with how long to wait for more requests.
    /// </summary>
    private List<Pending>? TryTakeBatch(DateTimeOffset now, out TimeSpan wait)
    {
        wait = Timeout.InfiniteTimeSpan;
        var oldest = _queue[0];
        if (!_options.Enabled || oldest.Rows >= _options.MaxBatchSize)
        {
            return Take([0]);
        }

        // Compatible requests in arrival order, as many as fit under the row limit.
        var chosen = new List<int> { 0 };
        var rows = oldest.Rows;
        var preferredCut = _options.PreferredBatchSizes.Contains((int)rows) ? 1 : 0;
        for (var i = 1; i < _queue.Count && rows < _options.MaxBatchSize; i++)
        {
            var candidate = _queue[i];
            if (candidate.BatchKey != oldest.BatchKey || rows + candidate.Rows > _options.MaxBatchSize)
            {
                continue;
            }
            chosen.Add(i);
            rows += candidate.Rows;
            if (_options.PreferredBatchSizes.Contains((int)rows))
            {
                preferredCut = chosen.Count;
            }
        }

        if (rows >= _options.MaxBatchSize)
        {
            return Take(chosen);
        }
        if (preferredCut > 0 && (rows >= _largestPreferred || preferredCut == chosen.Count))
        {
            // A preferred size is formed: run it now rather than wait for more.
            return Take(chosen.GetRange(0, preferredCut));
        }
        var due = oldest.EnqueuedAt + _options.MaxQueueDelay;
        if (now >= due || _closed)
        {
            return Take(chosen);
        }
        wait = due - now;
        return null;
    }

    private List<Pending> Take(List<int> indexes)
    {
        var batch = new List<Pending>(indexes.Count);
        foreach (var index in indexes)
        {
            batch.Add(_queue[index]);
        }
        for (var i = indexes.Count - 1; i >= 0; i--)
        {
            _queue.RemoveAt(indexes[i]);
        }
        return batch;
    }

    private void DropExpired(DateTimeOffset now)
    {
        for (var i = _queue.Count - 1; i >= 0; i--)
        {
            var pending = _queue[i];
            if (pending.Deadline is { } deadline && now >= deadline)
            {
                _queue.RemoveAt(i);
                pending.Registration.Dispose();
                pending.Completion.TrySetException(new QueueDeadlineExceededException(
                    $"{_label}: the deadline passed after {(now - pending.EnqueuedAt).TotalMilliseconds:F1} ms in the queue; the request did not run."));
            }
        }
    }

    private void Cancel(Pending pending, CancellationToken token)
    {
        lock (_lock)
        {
            // Still queued: leave the queue now, so the slot is free for others. Already running: let it finish.
            if (_queue.Remove(pending))
            {
                pending.Completion.TrySetCanceled(token);
            }
        }
    }

    private void Execute(List<Pending> batch)
    {
        try
        {
            var items = new TItem[batch.Count];
            long rows = 0;
            for (var i = 0; i < batch.Count; i++)
            {
                items[i] = batch[i].Item;
                rows += batch[i].Rows;
                batch[i].Registration.Dispose();
            }
            Interlocked.Increment(ref _runs);
            Interlocked.Add(ref _rowsRun, rows);
            RaiseLargest(rows);
            try
            {
                Complete(batch, _run(items));
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One request can make a merged run fail (values a model rejects, say). Run each
                // alone so that it fails only itself and the others still get their answers.
                foreach (var pending in batch)
                {
                    try
                    {
                        Complete([pending], _run([pending.Item]));
                    }
                    catch (Exception ex)
                    {
                        pending.Completion.TrySetException(ex);
                    }
                }
            }
            catch (Exception ex)
            {
                batch[0].Completion.TrySetException(ex);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
            _instances.Release();
        }
    }

    private void RaiseLargest(long rows)
    {
        var seen = Interlocked.Read(ref _largest);
        while (rows > seen)
        {
            var was = Interlocked.CompareExchange(ref _largest, rows, seen);
            if (was == seen)
            {
                return;
            }
            seen = was;
        }
    }

    private static void Complete(List<Pending> batch, TResult[] results)
    {
        if (results.Length != batch.Count)
        {
            throw new InvalidOperationException($"A batch of {batch.Count} requests produced {results.Length} results.");
        }
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(results[i]);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Pending(TItem item, long rows, string batchKey, DateTimeOffset enqueuedAt, DateTimeOffset? deadline)
    {
        public TItem Item { get; } = item;

        public long Rows { get; } = rows;

        public string BatchKey { get; } = batchKey;

        public DateTimeOffset EnqueuedAt { get; } = enqueuedAt;

        public DateTimeOffset? Deadline { get; } = deadline;

        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}
