namespace MlopsGateway.Gateway;

/// <summary>Settings of a gateway. Validated at start-up, every problem listed at once.</summary>
public sealed class GatewayOptions
{
    /// <summary>Worker base addresses (<c>http://host:port</c>, HTTP/2 cleartext).</summary>
    public List<string> Workers { get; set; } = [];

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodySize { get; set; } = 64 * 1024 * 1024;

    /// <summary>How often keys are re-read from Redis even when no change was announced.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a forwarded call may stay silent before it is abandoned.</summary>
    public TimeSpan UpstreamActivityTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
