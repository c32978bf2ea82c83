namespace MlopsGateway.Worker.Batching;

/// <summary>The request's deadline passed while it waited; it never ran.</summary>
internal sealed class QueueDeadlineExceededException(string message) : Exception(message);
