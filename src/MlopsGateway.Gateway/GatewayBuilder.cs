using Microsoft.Extensions.DependencyInjection;

namespace MlopsGateway.Gateway;

/// <summary>Returned by <see cref="GatewayServiceCollectionExtensions.AddMlopsGateway"/> for further configuration.</summary>
public sealed class GatewayBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;
}
