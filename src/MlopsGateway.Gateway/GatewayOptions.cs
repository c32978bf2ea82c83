namespace MlopsGateway.Gateway;

/// <summary>
/// Settings of a gateway, one file per feature (<c>GatewayOptions.*.cs</c>); bind them from code
/// or configuration. Validated at start-up, every problem listed at once.
/// </summary>
public sealed partial class GatewayOptions;
