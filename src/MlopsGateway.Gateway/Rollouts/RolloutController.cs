using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Monitoring.Rollouts;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Registry.Telemetry;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Rollouts;

/// <summary>
/// The rollout controller every gateway hosts: each <see cref="GatewayOptions.RolloutTick"/> it renews
/// or contends for the leader lease, and while it leads it moves every rollout on
/// (<see cref="RolloutEngine"/>): judges each window once every gateway flushed its telemetry
/// (<see cref="TelemetryStore"/>, <see cref="CanaryJudge"/>, monitoring's reports for drift and
/// accuracy), writes the decision under its fencing token, then makes the route match it
/// (<see cref="RouteStore.ChangeAsync"/>: validated, published, audited) and posts the webhook.
/// The state lives in Redis only, so a new leader continues from the step the last one wrote.
/// </summary>
internal sealed class RolloutController : BackgroundService
{
    private const string Champion = "champion";

    private readonly LeaderLease _lease;
    private readonly RolloutStore _store;
    private readonly RouteStore _routes;
    private readonly TelemetryStore _telemetry;
    private readonly ModelRegistry _registry;
    private readonly IMonitorReportSource _quality;
    private readonly RolloutWebhooks _webhooks;
    private readonly GatewayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HashSet<string> _faults = [];
    private long _token;
    private bool _failing;

    public RolloutController(IConnectionMultiplexer redis, RedisKeys keys, IMonitorReportSource quality, RolloutWebhooks webhooks,
        IOptions<GatewayOptions> options, TimeProvider time, ILogger<RolloutController> logger)
    {
        _options = options.Value;
        _lease = new LeaderLease(redis, $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}", _options.RolloutLeaseTtl, keys, time);
        _store = new RolloutStore(redis, keys, time);
        _routes = new RouteStore(redis, time, keys);
        _telemetry = new TelemetryStore(redis, keys);
        _registry = new ModelRegistry(redis, time, keys);
        _quality = quality;
        _webhooks = webhooks;
        _time = time;
        _logger = logger;
    }

    /// <summary>This gateway's name as a lease holder.</summary>
    public string Holder => _lease.Holder;

    /// <summary>Whether this gateway leads now.</summary>
    public bool IsLeader => _lease.Held is not null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RolloutTick, _time);
        try
        {
            do
            {
                await TickAsync().ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Handed over at once: another gateway continues within a tick, not a lease's length.
            await _lease.ReleaseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
        }
    }

    /// <summary>One look at every rollout, when this gateway leads.</summary>
    public async Task TickAsync()
    {
        try
        {
            var (hold, lost) = await _lease.RefreshAsync().ConfigureAwait(false);
            if (lost && hold is null)
            {
                RolloutLog.LeaseLost(_logger, _lease.Holder, _token);
            }
            if (hold is null)
            {
                _token = lost ? 0 : _token;
                _failing = false;
                return;
            }
            if (hold.Token != _token)
            {
                _token = hold.Token;
                RolloutLog.LeaseTaken(_logger, hold.Holder, hold.Token);
            }
            foreach (var snapshot in await _store.ReadAllAsync().ConfigureAwait(false))
            {
                if (snapshot.Fault is { } fault)
                {
                    if (_faults.Add(fault.Key + fault.Fault))
                    {
                        RolloutLog.RecordFault(_logger, fault.Key, fault.Fault);
                    }
                    continue;
                }
                await StepAsync(snapshot, hold).ConfigureAwait(false);
            }
        }
        // A cancelled task (a command the client gave up on while the cluster failed over) is a failed tick too, not the end of the loop.
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException or InvalidOperationException or ArgumentException or OperationCanceledException)
        {
            // Once until a tick succeeds; Redis away is the snapshot's to report, so it is only a debug entry here.
            if (!_failing)
            {
                _failing = true;
                if (ex is RedisConnectionException or RedisTimeoutException)
                {
                    RolloutLog.TickSkipped(_logger, ex.Message);
                }
                else
                {
                    RolloutLog.TickFailed(_logger, ex);
                }
            }
            return;
        }
        _failing = false;
    }

    private async Task StepAsync(RolloutSnapshot snapshot, LeaseHold hold)
    {
        var rollout = snapshot.Record!;
        var now = _time.GetUtcNow();
        switch (RolloutEngine.Next(rollout, now, _options.RolloutSettleDelay))
        {
            case RolloutWork.Begin:
                await CommitAsync(snapshot, RolloutEngine.Begin(rollout, now), RolloutDecisions.Begin, [], hold).ConfigureAwait(false);
                break;
            case RolloutWork.Judge:
                var (from, to) = (rollout.NextAt - rollout.Interval, rollout.NextAt);
                var verdicts = await JudgeAsync(rollout, from, to).ConfigureAwait(false);
                var (next, decision) = RolloutEngine.Decide(rollout, verdicts, from, to, now);
                await CommitAsync(snapshot, next, decision, verdicts, hold).ConfigureAwait(false);
                break;
            case RolloutWork.Promote:
                var promoted = RolloutEngine.Promote(rollout, now, $"Confirmed: version {rollout.Canary} is promoted to stable.");
                await CommitAsync(snapshot, promoted, RolloutDecisions.Promote, [], hold).ConfigureAwait(false);
                break;
            case RolloutWork.Settle:
                await SettleAsync(snapshot, hold).ConfigureAwait(false);
                break;
            default:
                if (!rollout.IsFinished && !rollout.Paused)
                {
                    // Kept true every tick: a leader that died between its write and the route change left it to its successor.
                    await EnsureRouteAsync(rollout, hold).ConfigureAwait(false);
                }
                break;
        }
    }

    private async Task<IReadOnlyList<Registry.Rollouts.CriterionVerdict>> JudgeAsync(RolloutRecord rollout, DateTimeOffset from, DateTimeOffset to)
    {
        var criteria = RolloutEngine.CriteriaOf(rollout);
        var stable = await _telemetry.ReadAsync(rollout.Model, rollout.Stable, from, to).ConfigureAwait(false);
        var canary = await _telemetry.ReadAsync(rollout.Model, rollout.Canary, from, to).ConfigureAwait(false);
        if (criteria.MaxDisagreement is not null && rollout.History.Count > 0 && rollout.History[0].From < from)
        {
            // Disagreement is the two versions' on the same inputs, whatever the weight: every compared row since the
            // rollout's first window is evidence, so a sampled share of copies becomes conclusive as windows pass.
            // Kept buckets only (the telemetry's TTL), which also keeps the read under the store's bound.
            var first = rollout.History[0].From < to - TelemetryStore.TimeToLive ? RolloutEngine.AlignUp(to - TelemetryStore.TimeToLive) : rollout.History[0].From;
            var since = await _telemetry.ReadAsync(rollout.Model, rollout.Canary, first, to).ConfigureAwait(false);
            canary = canary with { ShadowRows = since.ShadowRows, ShadowRowsDiffering = since.ShadowRowsDiffering };
        }
        MonitorReport? stableQuality = null, canaryQuality = null;
        if (criteria.MaxDrift is not null || criteria.MinAccuracyDelta is not null)
        {
            stableQuality = await _quality.EvaluateAsync(rollout.Model, rollout.Stable, to).ConfigureAwait(false);
            canaryQuality = await _quality.EvaluateAsync(rollout.Model, rollout.Canary, to).ConfigureAwait(false);
        }
        return CanaryJudge.Judge(criteria, stable, canary, stableQuality, canaryQuality);
    }

    private async Task CommitAsync(RolloutSnapshot snapshot, RolloutRecord next, string decision, IReadOnlyList<Registry.Rollouts.CriterionVerdict> verdicts, LeaseHold hold)
    {
        if (!await _store.WriteAsLeaderAsync(snapshot, next, hold).ConfigureAwait(false))
        {
            RolloutLog.WriteLost(_logger, next.Model);
            return;
        }
        var entry = _store.Decision(next, decision, next.Reason, verdicts, "controller " + hold.Holder, hold.Token);
        await _store.AppendAsync(entry).ConfigureAwait(false);
        RolloutLog.Decided(_logger, next.Model, next.Canary, decision, next.Phase, next.Weight, next.Reason);
        if (decision != RolloutDecisions.Hold)
        {
            _webhooks.Enqueue(next.Webhook, entry);
        }
        if (next.IsFinished)
        {
            await SettleAsync(await _store.ReadAsync(next.Model).ConfigureAwait(false), hold).ConfigureAwait(false);
        }
        else
        {
            await EnsureRouteAsync(next, hold).ConfigureAwait(false);
        }
    }

    /// <summary>A finished rollout's changes: the route (canary out, or promoted) and the champion alias, then marked settled.</summary>
    private async Task SettleAsync(RolloutSnapshot snapshot, LeaseHold hold)
    {
        if (snapshot.Record is not { IsFinished: true, Settled: false } rollout)
        {
            return;
        }
        var reason = rollout.Reason;
        if (!rollout.DryRun)
        {
            if (!await EnsureRouteAsync(rollout, hold).ConfigureAwait(false))
            {
                return;
            }
            if (rollout.Phase == RolloutPhases.Promoted)
            {
                try
                {
                    await _registry.SetAliasAsync(rollout.Model, Champion, rollout.Canary, "rollout " + hold.Holder).ConfigureAwait(false);
                }
                catch (ModelRegistryException ex)
                {
                    RolloutLog.AliasNotMoved(_logger, rollout.Model, rollout.Canary, ex.Message);
                    reason += $" The @{Champion} alias was not moved: {ex.Message}";
                }
            }
        }
        if (!await _store.WriteAsLeaderAsync(snapshot, rollout with { Settled = true, Reason = reason }, hold).ConfigureAwait(false))
        {
            RolloutLog.WriteLost(_logger, rollout.Model);
        }
    }

    /// <summary>Makes the route match <paramref name="rollout"/>; false when the route store refused the change.</summary>
    private async Task<bool> EnsureRouteAsync(RolloutRecord rollout, LeaseHold hold)
    {
        if (RolloutEngine.DesiredRoute(rollout, await _routes.GetAsync(rollout.Model).ConfigureAwait(false)) is null)
        {
            return true;
        }
        try
        {
            await _routes.ChangeAsync(rollout.Model, (before, _) => RolloutEngine.DesiredRoute(rollout, before) ?? before, "rollout " + hold.Holder).ConfigureAwait(false);
            return true;
        }
        catch (RouteValidationException ex)
        {
            RolloutLog.RouteRefused(_logger, rollout.Model, string.Join(" ", ex.Errors));
            return false;
        }
    }
}
