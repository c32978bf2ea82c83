using MlopsGateway.Registry;

namespace MlopsGateway.Gateway;

// Discovery settings: where workers come from and how their health is judged.
public sealed partial class GatewayOptions
{
    /// <summary>
    /// Static worker addresses (<c>http://host:port</c>, HTTP/2 cleartext), taken to serve every
    /// model and version, beside the workers discovered in Redis. Empty: discovery only.
    /// </summary>
    public List<string> Workers { get; set; } = [];

    /// <summary>
    /// The deployment's namespace in Redis (<see cref="RedisKeys.NamespaceRule"/>): the gateway reads
    /// the keys, routes and workers of this namespace only, so several deployments share one Redis.
    /// </summary>
    public string Namespace { get; set; } = RedisKeys.DefaultNamespace;

    /// <summary>How often keys, routes and workers are re-read from Redis even when no change was announced.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a worker whose record vanished from Redis stays in rotation when its health checks
    /// have not judged it (not probed yet), so that a Redis restart that lost the records does not
    /// empty the pool. One that answers its checks stays longer (<see cref="WorkerHoldLimit"/>), one
    /// that fails them goes at once, and a worker that leaves cleanly goes at once.
    /// </summary>
    public TimeSpan WorkerGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long, at most, a worker whose record vanished from Redis stays in rotation while it still
    /// answers the gateway's health checks: a Redis failover can expire live workers' records before
    /// they reach the promoted master. Past this the worker is dropped until it registers again.
    /// </summary>
    public TimeSpan WorkerHoldLimit { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often each worker's <c>/healthz</c> is probed (YARP active health checks).</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a probe may take before it counts as failed.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Passive health: how far back forwarded calls count when judging a worker's transport failure
    /// rate (connection refused or reset, timeouts; not gRPC errors the worker answered with).
    /// </summary>
    public TimeSpan PassiveHealthWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Calls to a worker within <see cref="PassiveHealthWindow"/> before its failure rate is judged at all.</summary>
    public int PassiveHealthMinimumCalls { get; set; } = 10;

    /// <summary>Share of failed calls (above 0, at most 1) within the window that takes a worker out of rotation.</summary>
    public double PassiveHealthFailureRate { get; set; } = 0.3;

    /// <summary>
    /// How long a worker that passive health took out stays out; then it gets calls again unless its
    /// <c>/healthz</c> probes fail. At least <see cref="PassiveHealthWindow"/> plus 1 s: YARP keeps a
    /// worker out for the whole window anyway, and failures still counted in the window when it
    /// returns would take it straight out again.
    /// </summary>
    public TimeSpan PassiveHealthReactivationPeriod { get; set; } = TimeSpan.FromSeconds(10);
}
