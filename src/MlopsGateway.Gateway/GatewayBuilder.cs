using Microsoft.Extensions.DependencyInjection;

namespace MlopsGateway.Gateway;

/// <summary>Returned by <see cref="GatewayServiceCollectionExtensions.AddMlopsGateway"/> for further configuration.</summary>
public sealed class GatewayBuilder(IServiceCollection services)
{
    /// <summary>The services the gateway was added to.</summary>
    public IServiceCollection Services { get; } = services;
}
