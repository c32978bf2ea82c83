using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MlopsGateway.Worker.Registration;
using StackExchange.Redis;

namespace MlopsGateway.Worker;

/// <summary>Optional parts of the worker role.</summary>
public static class WorkerBuilderExtensions
{
    /// <summary>
    /// Registers the worker in <paramref name="redis"/> once it listens, renews the record with a
    /// heartbeat that re-reads the loaded model versions, and removes it on a clean stop.
    /// </summary>
    public static WorkerBuilder AddRedisRegistration(
        this WorkerBuilder builder, IConnectionMultiplexer redis, Action<WorkerRegistrationOptions>? configure = null)
    {
        builder.Services.AddOptions<WorkerRegistrationOptions>().Configure(configure ?? (_ => { })).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WorkerRegistrationOptions>, WorkerRegistrationOptionsValidator>();
        builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<WorkerRegistrationService>(sp, redis));
        return builder;
    }
}
