namespace MlopsGateway.Gateway;

// Routing and forwarding settings: what is forwarded, and how.
public sealed partial class GatewayOptions
{
    /// <summary>Largest request message accepted, in bytes; larger ones are refused with RESOURCE_EXHAUSTED.</summary>
    public long MaxRequestBodySize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Longest a forwarded call may stay silent before it is abandoned.</summary>
    public TimeSpan UpstreamActivityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Send a call once more, to another worker, when the first worker's connection or stream died
    /// with the call in flight and nothing of its answer had reached the caller (within the caller's
    /// deadline, never twice). Inference is idempotent; switch it off for custom models that are not.
    /// A call that failed before any of it reached a worker is retried either way.
    /// </summary>
    public bool RetryOnReset { get; set; } = true;

    /// <summary>
    /// Largest request body kept, in a pooled buffer for the length of the call, so that it can be
    /// sent again after a reset (<see cref="RetryOnReset"/>); a larger call is not sent again.
    /// </summary>
    public int RetryBufferLimit { get; set; } = 4 * 1024 * 1024;

    /// <summary>Seed of the canary and shadow picks; null for a shared random source. Tests set it.</summary>
    public int? RandomSeed { get; set; }

    /// <summary>
    /// The worker secret sent as <c>x-mlops-worker-secret</c> on every call forwarded to a worker and
    /// every shadow copy; workers started with it refuse calls without it. Null: none is sent (workers
    /// must then be open, reachable only by trusted callers). Active health probes need none:
    /// workers keep <c>/healthz</c> open for them.
    /// </summary>
    public string? WorkerSecret { get; set; }
}
