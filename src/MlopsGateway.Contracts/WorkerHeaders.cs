namespace MlopsGateway.Contracts;

/// <summary>Metadata that workers and gateways exchange; gateways never pass it on to callers.</summary>
public static class WorkerHeaders
{
    /// <summary>
    /// On a worker's answers while it drains before stopping: the gateway that forwarded the call
    /// sends it no more calls, and calls already on their way are still answered.
    /// </summary>
    public const string Draining = "x-mlops-draining";
}
