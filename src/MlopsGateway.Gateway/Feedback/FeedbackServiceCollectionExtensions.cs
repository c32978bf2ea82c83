using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Feedback;
using StackExchange.Redis;

namespace MlopsGateway.Gateway.Feedback;

/// <summary>Registers the gateway's feedback service: the store (labels checked against each version's baseline first), the quota, its option's check.</summary>
internal static class FeedbackServiceCollectionExtensions
{
    public static IServiceCollection AddFeedback(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<GatewayOptions>>(new FeedbackOptionsValidator());
        services.AddSingleton(sp =>
        {
            var redis = sp.GetRequiredService<IConnectionMultiplexer>();
            var keys = sp.GetRequiredService<RedisKeys>();
            var baselines = new BaselineStore(redis, keys);
            return new FeedbackStore(redis, keys, sp.GetRequiredService<TimeProvider>(), baselines.GetAsync);
        });
        services.AddSingleton<FeedbackQuota>();
        return services;
    }

    private sealed class FeedbackOptionsValidator : IValidateOptions<GatewayOptions>
    {
        public ValidateOptionsResult Validate(string? name, GatewayOptions options) =>
            options.FeedbackRate is > 0 and < double.PositiveInfinity
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"FeedbackRate (--feedback-rate) must be a positive number of labels per second, not {options.FeedbackRate}.");
    }
}
