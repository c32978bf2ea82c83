using MlopsGateway.Registry;

namespace MlopsGateway.Worker.Registration;

/// <summary>How a worker registers itself in Redis for gateways to discover. Validated at start-up.</summary>
public sealed class WorkerRegistrationOptions
{
    /// <summary>
    /// The address gateways use to reach this worker (<c>http://host:port</c>). Left null: the
    /// bound gRPC address, with a wildcard bind (0.0.0.0, ::) replaced by this machine's host name.
    /// </summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>A stable id for this worker; left null, a new one per process.</summary>
    public string? WorkerId { get; set; }

    /// <summary>
    /// The deployment's namespace in Redis (<see cref="RedisKeys.NamespaceRule"/>): only gateways of
    /// the same namespace discover this worker.
    /// </summary>
    public string Namespace { get; set; } = RedisKeys.DefaultNamespace;

    /// <summary>How often the record is renewed (and the served versions re-read).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a record outlives its last heartbeat; a worker that dies leaves discovery after this.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(6);
}
