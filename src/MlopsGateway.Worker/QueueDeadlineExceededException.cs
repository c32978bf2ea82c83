namespace MlopsGateway.Worker;

/// <summary>The request's deadline passed while it waited; it never ran.</summary>
public sealed class QueueDeadlineExceededException(string message) : Exception(message);
