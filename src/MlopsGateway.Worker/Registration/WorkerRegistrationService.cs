using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Registry;
using MlopsGateway.Worker.Draining;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;
using IServer = Microsoft.AspNetCore.Hosting.Server.IServer;

namespace MlopsGateway.Worker.Registration;

/// <summary>
/// Keeps this worker's record in Redis: written once the server listens (the address is known
/// only then, port 0 included), renewed every heartbeat with the versions loaded at that moment,
/// removed on a clean stop. Redis being away never stops serving.
/// </summary>
/// <remarks>
/// A clean stop removes the record as the first step of <see cref="WorkerDrain"/>, while the server
/// still takes calls: gateways drop the worker on the announcement, and the drain's delay lets
/// calls they had already sent it be answered rather than refused by a server going away.
/// </remarks>
internal sealed class WorkerRegistrationService : BackgroundService
{
    private readonly WorkerStore _store;
    private readonly ModelRepository _repository;
    private readonly IServer _server;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly WorkerRegistrationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkerRegistrationService> _logger;
    // After a failed write the next comes this soon (or a heartbeat, if shorter): the record may be about to expire.
    private static readonly TimeSpan s_retryInterval = TimeSpan.FromMilliseconds(500);
    private readonly IConnectionMultiplexer _redis;
    // Stops the heartbeats before the record is removed, so that none writes it back.
    private readonly CancellationTokenSource _leaving = new();
    // Writes given up on that may still land; the leave step waits for them before it removes the record.
    private readonly ConcurrentDictionary<Task, byte> _abandoned = new();
    // Completed when Redis reconnects or its cluster's nodes change: a write waiting or a pause ends early.
    private TaskCompletionSource _wakeSource = NewWake();
    private string? _id;

    public WorkerRegistrationService(
        IConnectionMultiplexer redis, ModelRepository repository, IServer server, IHostApplicationLifetime lifetime, WorkerDrain drain,
        IOptions<WorkerRegistrationOptions> options, ILogger<WorkerRegistrationService> logger, TimeProvider? time = null)
    {
        drain.OnLeaving(LeaveAsync);
        _redis = redis;
        // A failed master never reconnects: its replica takes over, and the client reports the cluster's nodes changed.
        _redis.ConnectionRestored += OnConnectionRestored;
        _redis.ConfigurationChanged += OnConfigurationChanged;
        _options = options.Value;
        _store = new WorkerStore(redis, new RedisKeys(_options.Namespace));
        _repository = repository;
        _server = server;
        _lifetime = lifetime;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, _leaving.Token);
        var stoppingToken = linked.Token;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        var address = _options.AdvertiseAddress?.TrimEnd('/') ?? Advertised(_server);
        var id = _options.WorkerId ?? $"{Environment.MachineName.ToLowerInvariant()}-{new Uri(address).Port}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        _id = id;
        var startedAt = _time.GetUtcNow();
        WorkerRecord? last = null;
        var failing = false;
        var load = new BatchLoadSampler();
        while (!stoppingToken.IsCancellationRequested)
        {
            var versions = _repository.All;
            var record = new WorkerRecord(id, address, versions.Select(v => new ServedVersion(v.Name, v.Version)).ToArray(),
                _repository.IsLoaded && versions.Count > 0, startedAt, _time.GetUtcNow(), load.Sample(versions));
            // Gateways re-read at once on an announcement; renewals alone are not announced.
            var write = WriteAsync(record, record.SameOffer(last) ? null : last is null ? "up" : "changed");
            (bool Done, Exception? Failure) outcome;
            try
            {
                outcome = await AwaitWriteAsync(write, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!outcome.Done)
            {
                // Overtaken by a reconnect or a changed cluster: write again at once, announced, as the record may be lost.
                last = null;
                continue;
            }
            if (outcome.Failure is null)
            {
                if (!record.SameOffer(last))
                {
                    WorkerRegistrationLog.Registered(_logger, id, address,
                        string.Join(", ", record.Models.Select(m => $"{m.Model} {m.Version}")));
                }
                last = record;
                failing = false;
            }
            else
            {
                if (!failing)
                {
                    failing = true;
                    WorkerRegistrationLog.HeartbeatFailed(_logger, id, outcome.Failure);
                }
                // Announce again once Redis is back: it may have restarted empty, or failed over and lost the record.
                last = null;
            }
            try
            {
                // Failing, the record may be about to expire (or gone): try again soon rather than a heartbeat later.
                await PauseAsync(failing ? RetryInterval() : _options.HeartbeatInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Writes the record and, when <paramref name="announce"/> is set, announces it.</summary>
    private async Task WriteAsync(WorkerRecord record, string? announce)
    {
        await _store.RegisterAsync(record, _options.Ttl).ConfigureAwait(false);
        if (announce is not null)
        {
            await _store.AnnounceAsync(announce, record.Id).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for <paramref name="write"/>: done (and why it failed, if it did), or overtaken when Redis
    /// reconnected or its cluster's nodes changed first. An overtaken write is left to finish on its
    /// own: it may wait behind a connection that never comes back (a failed master's) until
    /// StackExchange.Redis's own timeout, while the next one goes to whichever node serves the slot now.
    /// </summary>
    private async Task<(bool Done, Exception? Failure)> AwaitWriteAsync(Task write, CancellationToken stoppingToken)
    {
        var wake = Volatile.Read(ref _wakeSource).Task;
        if (!write.IsCompleted)
        {
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (stoppingToken.Register(() => stopped.TrySetResult()))
            {
                await Task.WhenAny(write, wake, stopped.Task).ConfigureAwait(false);
            }
        }
        if (!write.IsCompleted)
        {
            Abandon(write);
            stoppingToken.ThrowIfCancellationRequested();
            ResetWake(wake);
            return (false, null);
        }
        try
        {
            await write.ConfigureAwait(false);
            return (true, null);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return (true, ex);
        }
    }

    /// <summary>Keeps <paramref name="write"/> until it ends, for the leave step to wait on, and observes its failure.</summary>
    private void Abandon(Task write)
    {
        _abandoned[write] = 0;
        write.ContinueWith(t =>
        {
            _ = t.Exception;
            _abandoned.TryRemove(t, out _);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits <paramref name="delay"/>, or less when Redis reconnects or its cluster's nodes change.</summary>
    private async Task PauseAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        var wake = Volatile.Read(ref _wakeSource).Task;
        using var woken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var pause = Task.Delay(delay, _time, woken.Token);
        await Task.WhenAny(pause, wake).ConfigureAwait(false);
        await woken.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
        ResetWake(wake);
    }

    private TimeSpan RetryInterval() => _options.HeartbeatInterval < s_retryInterval ? _options.HeartbeatInterval : s_retryInterval;

    private void Wake() => Volatile.Read(ref _wakeSource).TrySetResult();

    /// <summary>A wake that was used is replaced, so the next one is awaited anew; one not yet used stays.</summary>
    private void ResetWake(Task used)
    {
        var source = Volatile.Read(ref _wakeSource);
        if (used.IsCompleted && source.Task == used)
        {
            Interlocked.CompareExchange(ref _wakeSource, NewWake(), source);
        }
    }

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => Wake();

    private void OnConfigurationChanged(object? sender, EndPointEventArgs e) => Wake();

    /// <summary>
    /// The drain's leave step, run before any service stops (the server included): stops the
    /// heartbeats, then removes the record and announces the departure.
    /// </summary>
    private async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await _leaving.CancelAsync().ConfigureAwait(false);
        try
        {
            if (ExecuteTask is { } heartbeats)
            {
                await heartbeats.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped without time to spare: the record expires on its own.
            return;
        }
        if (_id is null)
        {
            return;
        }
        try
        {
            await RemoveAfterWritesAsync(_id).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            WorkerRegistrationLog.Deregistered(_logger, _id);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // Gateways learn of it from its answers marked draining, its health checks or its record's expiry.
            WorkerRegistrationLog.DeregisterFailed(_logger, _id, ex);
        }
    }

    private async Task RemoveAfterWritesAsync(string id)
    {
        // A write given up on that landed after the removal would bring the record back until it expires.
        try
        {
            await Task.WhenAll(_abandoned.Keys).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
        }
        await _store.RemoveAsync(id).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        _redis.ConfigurationChanged -= OnConfigurationChanged;
        _leaving.Dispose();
        base.Dispose();
    }

    /// <summary>The first gRPC address the server listens on, a wildcard host replaced by this machine's name.</summary>
    private static string Advertised(IServer server)
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The worker listens on no address; set WorkerRegistrationOptions.AdvertiseAddress.");
        var uri = new Uri(bound.Replace("[::]", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal)
            .Replace("*", "0.0.0.0", StringComparison.Ordinal));
        var host = uri.Host == "0.0.0.0" ? Environment.MachineName : uri.Host;
        return $"{uri.Scheme}://{host}:{uri.Port}";
    }
}
