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
}
