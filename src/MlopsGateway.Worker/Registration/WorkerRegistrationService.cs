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
    // Stops the heartbeats before the record is removed, so that none writes it back.
    private readonly CancellationTokenSource _leaving = new();
    private string? _id;

    public WorkerRegistrationService(
        IConnectionMultiplexer redis, ModelRepository repository, IServer server, IHostApplicationLifetime lifetime, WorkerDrain drain,
        IOptions<WorkerRegistrationOptions> options, ILogger<WorkerRegistrationService> logger, TimeProvider? time = null)
    {
        drain.OnLeaving(LeaveAsync);
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
        while (!stoppingToken.IsCancellationRequested)
        {
            var versions = _repository.All;
            var record = new WorkerRecord(id, address, versions.Select(v => new ServedVersion(v.Name, v.Version)).ToArray(),
                _repository.IsLoaded && versions.Count > 0, startedAt, _time.GetUtcNow());
            try
            {
                await _store.RegisterAsync(record, _options.Ttl).ConfigureAwait(false);
                if (!record.SameOffer(last))
                {
                    // Gateways re-read at once on an announcement; renewals alone are not announced.
                    await _store.AnnounceAsync(last is null ? "up" : "changed", id).ConfigureAwait(false);
                    WorkerRegistrationLog.Registered(_logger, id, address,
                        string.Join(", ", record.Models.Select(m => $"{m.Model} {m.Version}")));
                }
                last = record;
                failing = false;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                if (!failing)
                {
                    failing = true;
                    WorkerRegistrationLog.HeartbeatFailed(_logger, id, ex);
                }
                // Announce again once Redis is back: it may have restarted empty.
                last = null;
            }
            try
            {
                await Task.Delay(_options.HeartbeatInterval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

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
            await _store.RemoveAsync(_id).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            WorkerRegistrationLog.Deregistered(_logger, _id);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // Gateways learn of it from its answers marked draining, its health checks or its record's expiry.
            WorkerRegistrationLog.DeregisterFailed(_logger, _id, ex);
        }
    }

    public override void Dispose()
    {
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
