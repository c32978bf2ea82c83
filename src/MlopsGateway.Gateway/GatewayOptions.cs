namespace MlopsGateway.Gateway;

/// <summary>Settings of a gateway. Validated at start-up, every problem listed at once.</summary>
public sealed class GatewayOptions
{
    /// <summary>
    /// Static worker addresses (<c>http://host:port</c>, HTTP/2 cleartext), taken to serve every
    /// model and version, beside the workers discovered in Redis. Empty: discovery only.
    /// </summary>
    public List<string> Workers { get; set; } = [];

    /// <summary>Largest request message accepted, in bytes; larger ones are refused with RESOURCE_EXHAUSTED.</summary>
    public long MaxRequestBodySize { get; set; } = 64 * 1024 * 1024;

    /// <summary>How often keys, routes and workers are re-read from Redis even when no change was announced.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a worker whose record vanished from Redis stays in rotation (health checks still
    /// apply), so that a Redis restart that lost the records does not empty the pool.
    /// A worker that leaves cleanly goes at once.
    /// </summary>
    public TimeSpan WorkerGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest a forwarded call may stay silent before it is abandoned.</summary>
    public TimeSpan UpstreamActivityTimeout { get; set; } = TimeSpan.FromMinutes(2);

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

    /// <summary>
    /// Shadow copies in flight at most (queued in a gather window, sent, or waiting for their
    /// comparison); a copy beyond it is dropped and counted as <c>saturated</c>. Large enough that a
    /// cold shadow path (its connection opening, its code compiling) does not drop copies at a few
    /// hundred a second; memory is bounded by <see cref="MaxShadowBytesInFlight"/>.
    /// </summary>
    public int MaxShadowConcurrency { get; set; } = 1024;

    /// <summary>
    /// Bytes of shadow copies held at most: each copy's request and the primary's answer it is
    /// compared with. A copy that arrives while this much is held is dropped and counted as
    /// <c>saturated</c>. The total may pass it by a copy (at most twice <see cref="MaxShadowMessageBytes"/>)
    /// for each copy that arrives at the same moment.
    /// </summary>
    public long MaxShadowBytesInFlight { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Largest request (and primary answer) copied to a shadow, in bytes; larger ones are not shadowed.
    /// By default the most bytes of copies merged into one message.
    /// </summary>
    public int MaxShadowMessageBytes { get; set; } = Internal.ShadowBatch.MaxBytes;

    /// <summary>Longest a shadow call may take before it is abandoned (and counted as failed).</summary>
    public TimeSpan ShadowTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a copy may wait for others bound for the same worker, so that they go out together
    /// (merged into one request where they differ only in their rows): the worker then runs them as
    /// one batch and answers them in one message. The window ends early once 32 copies wait (a full
    /// message of one-row copies). At a few hundred copies a second, a message per copy cost the worker
    /// several times the copy's own work. Zero sends each copy at once. Callers never wait for it.
    /// </summary>
    public TimeSpan ShadowGatherWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Percent of the CPU (the container's limit, or the machine's cores) above which shadow copies
    /// yield to callers: while the CPU stays above it, the share of sampled copies sent halves every
    /// 250 ms, and the rest are dropped and counted as <c>busy</c>; once it is at or below, the share
    /// climbs back to all of them within about 2 s. A saturated gateway then spends its CPU on callers,
    /// not copies. 100 never yields.
    /// </summary>
    public double ShadowCpuLimit { get; set; } = 90;

    /// <summary>
    /// Count per-key quotas in Redis, shared by every gateway (one Redis round trip per limited
    /// request), instead of in each gateway's memory. While Redis is down, requests are let through.
    /// </summary>
    public bool SharedQuotas { get; set; }

    /// <summary>
    /// Key that signs JWT bearer tokens (HMAC-SHA256, at least 32 bytes of UTF-8). Null: JWTs are not
    /// accepted, only API keys.
    /// </summary>
    public string? JwtSigningKey { get; set; }

    /// <summary>Issuer a JWT must name (<c>iss</c>); null accepts any.</summary>
    public string? JwtIssuer { get; set; }

    /// <summary>Audience a JWT must name (<c>aud</c>); null accepts any.</summary>
    public string? JwtAudience { get; set; }

    /// <summary>Claim listing the models a JWT may call (space- or comma-separated, or repeated; <c>*</c> for all).</summary>
    public string JwtModelsClaim { get; set; } = "models";

    /// <summary>Seed of the canary and shadow picks; null for a shared random source. Tests set it.</summary>
    public int? RandomSeed { get; set; }
}
