using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;

namespace MlopsGateway.Cli;

/// <summary>A version's baseline, and in words how the version was chosen (for the run's header).</summary>
internal sealed record ChosenBaseline(BaselineProfile Profile, string Choice);

/// <summary>The baseline refused: the message says what to do.</summary>
internal sealed class BaselineRefusedException(string message) : Exception(message);

/// <summary>
/// Finds the baseline a load test draws from: that of <c>--version</c> (an alias such as
/// <c>@champion</c> resolved by the registry), else of the version a call naming none gets, as the
/// gateway chooses it: the route's stable version, else the highest version the registered workers
/// serve, else the registry's highest.
/// </summary>
internal static class BaselineLookup
{
    /// <summary>The baseline, read with <paramref name="read"/> (model, version → profile, null when there is none).</summary>
    /// <exception cref="BaselineRefusedException">No version could be chosen, or it has no baseline.</exception>
    public static async Task<ChosenBaseline> FindAsync(
        IConnectionMultiplexer redis, RedisKeys keys, string model, string? version, Func<string, string, Task<BaselineProfile?>> read)
    {
        var (chosen, choice) = await ChooseAsync(redis, keys, model, version).ConfigureAwait(false);
        var profile = await read(model, chosen).ConfigureAwait(false)
            ?? throw new BaselineRefusedException($"Model '{model}' version {chosen} ({choice}) has no baseline in namespace {keys.Namespace}. Make one from its training data: "
                + $"mlops models push FILE.onnx --model {model} --version {chosen} --baseline ROWS.csv, or from its first rows of traffic: "
                + $"mlops monitor baseline capture {model} {chosen} --rows 10000.");
        return new ChosenBaseline(profile, choice);
    }

    private static async Task<(string Version, string Choice)> ChooseAsync(IConnectionMultiplexer redis, RedisKeys keys, string model, string? version)
    {
        var registry = new ModelRegistry(redis, keys: keys);
        if (version is not null)
        {
            if (!RouteValidator.IsAlias(version))
            {
                return (version, "given by --version");
            }
            return await registry.ResolveAliasAsync(model, version).ConfigureAwait(false) is { } named
                ? (named, $"--version {version}")
                : throw new BaselineRefusedException($"--version {version}: model '{model}' has no such alias in namespace {keys.Namespace}; see mlops models alias list {model}.");
        }
        if (await new RouteStore(redis, keys: keys).GetAsync(model).ConfigureAwait(false) is { } route)
        {
            var canary = route.Canary is null ? "" : $" (route: {route.Describe()}; the canary's calls are drawn from this baseline too)";
            if (!RouteValidator.IsAlias(route.Stable))
            {
                return (route.Stable, "the route's stable version" + canary);
            }
            return await registry.ResolveAliasAsync(model, route.Stable).ConfigureAwait(false) is { } stable
                ? (stable, $"the route's stable version, {route.Stable}{canary}")
                : throw new BaselineRefusedException($"The route of model '{model}' names alias {route.Stable}, which is not set; give --version.");
        }
        var served = WorkerStore.VersionsOf(await new WorkerStore(redis, keys).ListAsync().ConfigureAwait(false), model);
        if (served.Count > 0)
        {
            return (served[^1], "no route: the highest version the workers serve, which calls naming none get");
        }
        var registered = (await registry.VersionsAsync(model).ConfigureAwait(false)).Records;
        return registered.Count > 0
            ? (registered[^1].Version, "no route and no worker registered: the registry's highest version")
            : throw new BaselineRefusedException($"Model '{model}' has no route, no registered worker serving it and no version in the registry in namespace {keys.Namespace}; give --version.");
    }
}
