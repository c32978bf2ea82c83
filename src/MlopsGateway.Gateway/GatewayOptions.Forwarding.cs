namespace MlopsGateway.Gateway;

// Routing and forwarding settings: what is forwarded, and how.
public sealed partial class GatewayOptions
{
    /// <summary>Largest request message accepted, in bytes; larger ones are refused with RESOURCE_EXHAUSTED.</summary>
    public long MaxRequestBodySize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Longest a forwarded call may stay silent before it is abandoned.</summary>
    public TimeSpan UpstreamActivityTimeout { get; set; } = TimeSpan.FromMinutes(2);

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
