using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Worker.Draining;

/// <summary>
/// A clean stop's first step, before any service stops (the server included): the worker starts
/// draining (its health checks fail, ServerReady says not ready, its answers carry
/// <c>x-mlops-draining</c>), leaves discovery through whatever registered a leave step, then keeps
/// answering for <see cref="WorkerOptions.DrainDelay"/>. Gateways that discover it in Redis drop it
/// on the announcement; gateways given its address drop it on the first answer marked draining.
/// Either way, calls they had already sent it are answered rather than refused by a server going away.
/// </summary>
internal sealed class WorkerDrain : IHostedLifecycleService
{
    private readonly TimeSpan _delay;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkerDrain> _logger;
    private readonly List<Func<CancellationToken, Task>> _leaveSteps = [];
    private volatile bool _draining;

    public WorkerDrain(IOptions<WorkerOptions> options, TimeProvider time, ILogger<WorkerDrain> logger)
    {
        _delay = options.Value.DrainDelay;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether the worker is stopping: it still answers, but wants no new calls.</summary>
    public bool Draining => _draining;

    /// <summary>Adds a step run when draining starts (removing the worker's Redis record, say).</summary>
    public void OnLeaving(Func<CancellationToken, Task> leave)
    {
        lock (_leaveSteps)
        {
            _leaveSteps.Add(leave);
        }
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            // Stopped without time to spare: no drain, as if the process had been killed.
            return;
        }
        _draining = true;
        Func<CancellationToken, Task>[] steps;
        lock (_leaveSteps)
        {
            steps = [.. _leaveSteps];
        }
        foreach (var leave in steps)
        {
            await leave(cancellationToken).ConfigureAwait(false);
        }
        if (_delay <= TimeSpan.Zero)
        {
            return;
        }
        DrainLog.Draining(_logger, _delay.TotalSeconds);
        try
        {
            await Task.Delay(_delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Fails /healthz and grpc.health.v1 while the worker drains, so probes take it out of rotation.</summary>
    internal sealed class HealthCheck(WorkerDrain drain) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(drain.Draining
                ? HealthCheckResult.Unhealthy("draining: the worker is stopping")
                : HealthCheckResult.Healthy());
    }
}
