using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Worker.Predictions;
using StackExchange.Redis;

namespace MlopsGateway.Worker;

/// <summary>Recording the worker's predictions in Redis, for the labels sent for them later.</summary>
public static class WorkerPredictionExtensions
{
    /// <summary>
    /// Records every answered prediction in <paramref name="redis"/> by id (the request's <c>id</c>;
    /// when it has none, the gateway's call id or a new one, returned in the answer's <c>id</c>):
    /// model, version, time, class and probabilities or value, under a TTL, sampled as configured.
    /// Written off the request path in pipelined batches; a full queue drops and counts, never waits.
    /// </summary>
    public static WorkerBuilder AddPredictionRecords(this WorkerBuilder builder, IConnectionMultiplexer redis, Action<PredictionRecordOptions>? configure = null)
    {
        var services = builder.Services;
        services.AddOptions<PredictionRecordOptions>().Configure(configure ?? (_ => { })).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PredictionRecordOptions>>(new ValidatePredictionRecordOptions());
        services.AddSingleton<PredictionMetrics>();
        services.Replace(ServiceDescriptor.Singleton(sp => new PredictionRecorder(
            sp.GetRequiredService<IOptions<PredictionRecordOptions>>().Value, sp.GetRequiredService<PredictionMetrics>(), sp.GetRequiredService<TimeProvider>())));
        services.AddHostedService(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PredictionRecordOptions>>().Value;
            return ActivatorUtilities.CreateInstance<PredictionWriter>(sp, new FeedbackStore(redis, new RedisKeys(options.Namespace)), options);
        });
        return builder;
    }

    private sealed class ValidatePredictionRecordOptions : IValidateOptions<PredictionRecordOptions>
    {
        public ValidateOptionsResult Validate(string? name, PredictionRecordOptions options) =>
            options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
