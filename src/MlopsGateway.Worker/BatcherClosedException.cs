namespace MlopsGateway.Worker;

/// <summary>The model version stopped taking requests (it is unloading); the request never ran.</summary>
public sealed class BatcherClosedException(string message) : Exception(message);
