namespace MlopsGateway.LoadTest;

/// <summary>
/// One request of the load: completes when the answer arrives, throws when it fails (an
/// <see cref="Grpc.Core.RpcException"/> carries the status counted in the report).
/// </summary>
/// <param name="cancellationToken">Cancelled when the whole run is stopped.</param>
public delegate ValueTask LoadCall(CancellationToken cancellationToken);
