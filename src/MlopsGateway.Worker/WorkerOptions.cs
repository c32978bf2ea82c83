namespace MlopsGateway.Worker;

/// <summary>Settings of a worker. Validated at start-up, every problem listed at once.</summary>
public sealed class WorkerOptions
{
    /// <summary>The model file looked for in each version folder of <see cref="ModelRepository"/>.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>The model repository folder: <c>&lt;repo&gt;/&lt;model&gt;/&lt;version&gt;/model.onnx</c>.</summary>
    public string ModelRepository { get; set; } = "models";

    /// <summary>Reload a model when files under its folder change.</summary>
    public bool WatchRepository { get; set; }

    /// <summary>Largest request message accepted, in bytes (a batch of images is several megabytes).</summary>
    public int MaxReceiveMessageSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes.</summary>
    public int MaxSendMessageSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// On a clean stop, how long the worker drains before its server stops: it keeps answering
    /// calls while it leaves Redis discovery (when registered), fails its health checks and marks
    /// its answers <c>x-mlops-draining</c>, so gateways stop sending it calls and those already
    /// sent are answered rather than refused. Zero stops at once.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The secrets a caller must send as <c>x-mlops-worker-secret</c> for any inference rpc: any one
    /// of them is accepted, so that a new secret can join before the old one leaves (at most two).
    /// Empty: the worker serves anyone who reaches its port, and says so in a warning at start.
    /// grpc.health.v1, <c>/healthz</c> and <c>/metrics</c> stay open for probes and scrapes.
    /// </summary>
    public List<string> WorkerSecrets { get; set; } = [];

    /// <summary>
    /// The secrets a caller must send as <c>x-mlops-admin-secret</c> for the repository rpcs (index,
    /// load, unload); accepted for every other rpc too (at most two). Empty while
    /// <see cref="WorkerSecrets"/> is not: the repository rpcs are refused to everyone. Both empty:
    /// everything is open.
    /// </summary>
    public List<string> AdminSecrets { get; set; } = [];
}
