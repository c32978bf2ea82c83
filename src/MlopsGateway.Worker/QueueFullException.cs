namespace MlopsGateway.Worker;

/// <summary>The queue of a model version is full; the request was not queued.</summary>
public sealed class QueueFullException(string message) : Exception(message);
