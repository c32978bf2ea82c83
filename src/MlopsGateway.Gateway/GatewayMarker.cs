namespace MlopsGateway.Gateway;

/// <summary>Registered by AddMlopsGateway so that MapMlopsGateway can tell it was called.</summary>
internal sealed class GatewayMarker;
