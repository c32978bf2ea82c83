using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Telemetry;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Telemetry;

/// <summary>Registers per-version call telemetry and its flush to Redis.</summary>
internal static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddCallTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<CallTelemetry>();
        services.AddSingleton(sp => new TelemetryStore(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisKeys>()));
        services.AddSingleton<TelemetryFlush>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryFlush>());
        return services;
    }
}
