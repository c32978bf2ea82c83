namespace MlopsGateway.Gateway;

// TLS towards the workers (the gateway's own listener takes its certificate from GatewayHost).
public sealed partial class GatewayOptions
{
    /// <summary>
    /// A PEM file of the CA certificates that sign the workers' certificates. Workers whose address is
    /// <c>https://</c> are then trusted when their certificate chains to one of these (and names the
    /// address's host), and only then: the machine's roots no longer count for workers. Null: the
    /// machine's trusted roots. Forwarded calls, health probes and shadow copies alike.
    /// </summary>
    public string? WorkerCaPath { get; set; }
}
