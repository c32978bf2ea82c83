using Microsoft.Extensions.DependencyInjection;
using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Versions;

/// <summary>Registers the counting of deprecated versions' callers and its flush to Redis.</summary>
internal static class VersionsServiceCollectionExtensions
{
    public static IServiceCollection AddCallerCounts(this IServiceCollection services)
    {
        services.AddSingleton<CallerCounts>();
        services.AddSingleton(sp => new CallerStore(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisKeys>().Models.Callers));
        services.AddSingleton<CallerFlush>();
        services.AddHostedService(sp => sp.GetRequiredService<CallerFlush>());
        return services;
    }
}
