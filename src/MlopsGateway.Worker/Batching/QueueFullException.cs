namespace MlopsGateway.Worker.Batching;

/// <summary>The queue of a model version is full; the request was not queued.</summary>
internal sealed class QueueFullException(string message) : Exception(message);
