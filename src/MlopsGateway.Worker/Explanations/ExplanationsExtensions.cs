using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using StackExchange.Redis;

namespace MlopsGateway.Worker.Explanations;

/// <summary>Explanations at the worker: where mlops.v1.Explain finds each version's background sample.</summary>
public static class ExplanationsExtensions
{
    /// <summary>
    /// Lets mlops.v1.Explain (mapped by <c>MapMlopsWorker</c>) read each version's baseline from
    /// <paramref name="redis"/> in namespace <paramref name="namespace"/>, once per call: the baseline's
    /// sample rows are the background the attributions are measured against.
    /// </summary>
    public static WorkerBuilder AddExplanations(this WorkerBuilder builder, IConnectionMultiplexer redis, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var store = new BaselineStore(redis, new RedisKeys(@namespace));
        builder.Services.Replace(ServiceDescriptor.Singleton(new ExplainBaselines(store.GetAsync)));
        return builder;
    }
}
