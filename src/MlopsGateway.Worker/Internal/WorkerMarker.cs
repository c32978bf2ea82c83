namespace MlopsGateway.Worker.Internal;

/// <summary>Registered by AddMlopsWorker so that MapMlopsWorker can tell it was called.</summary>
internal sealed class WorkerMarker;
