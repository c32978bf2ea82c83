using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Monitoring.Alerts;

namespace MlopsGateway.Gateway.Rollouts;

/// <summary>Registers the rollout controller and its webhooks.</summary>
internal static class RolloutServiceCollectionExtensions
{
    public static IServiceCollection AddRollouts(this IServiceCollection services)
    {
        services.AddSingleton(sp => new RolloutWebhooks(new HttpClient(), new WebhookOptions(), sp.GetRequiredService<ILogger<RolloutWebhooks>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<RolloutController>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<RolloutWebhooks>());
        services.AddSingleton<IHostedService>(sp => Options(sp).RunRollouts ? sp.GetRequiredService<RolloutController>() : new Idle());
        return services;
    }

    private static GatewayOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<GatewayOptions>>().Value;

    private sealed class Idle : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
