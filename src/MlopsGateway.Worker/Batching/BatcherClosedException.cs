namespace MlopsGateway.Worker.Batching;

/// <summary>The model version stopped taking requests (it is unloading); the request never ran.</summary>
internal sealed class BatcherClosedException(string message) : Exception(message);
