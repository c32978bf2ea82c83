using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Drift;
using MlopsGateway.Worker.Models;
using StackExchange.Redis;

namespace MlopsGateway.Worker.Sketching;

/// <summary>Drift sketches and baseline captures at the worker.</summary>
public static class SketchingExtensions
{
    /// <summary>
    /// Counts every batch of each loaded version that has a baseline in <paramref name="redis"/> into the
    /// baseline's bins (per feature of its <c>[rows, features]</c> input, and the prediction), writes
    /// the counts to Redis every <see cref="SketchOptions.FlushInterval"/> to be merged with every other
    /// worker's, and copies rows for open captures (<c>mlops monitor baseline capture</c>).
    /// </summary>
    public static WorkerBuilder AddDriftSketches(this WorkerBuilder builder, IConnectionMultiplexer redis, Action<SketchOptions>? configure = null)
    {
        var services = builder.Services;
        services.AddOptions<SketchOptions>().Configure(configure ?? (_ => { })).Validate(
            o => o.FlushInterval > TimeSpan.Zero && o.MaxPendingFlushes >= 1 && RedisKeys.NamespaceProblem(o.Namespace) is null,
            "SketchOptions: FlushInterval must be positive, MaxPendingFlushes at least 1, and Namespace a namespace.").ValidateOnStart();
        services.AddSingleton<SketchMetrics>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SketchOptions>>().Value;
            var keys = new RedisKeys(options.Namespace);
            var baselines = new BaselineStore(redis, keys);
            return new SketchService(
                sp.GetRequiredService<ModelRepository>(), baselines.GetAsync, new DriftCountStore(redis, keys), new CaptureStore(redis, keys),
                redis, keys.Models.Changed, options, sp.GetRequiredService<SketchMetrics>(), sp.GetRequiredService<ILogger<SketchService>>(),
                sp.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<SketchService>());
        return builder;
    }
}
