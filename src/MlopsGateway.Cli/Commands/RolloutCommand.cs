using System.CommandLine;
using System.Text.Json;
using MlopsGateway.Monitoring.Quality;
using StackExchange.Redis;
using MlopsGateway.Registry;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops rollout status|canary|shadow|promote|rollback|clear</c>: a model's route in Redis, and the
/// automated rollouts (<c>start|pause|resume|abort|confirm</c>, <see cref="RolloutStartCommand"/>). Every change
/// is validated against the registered workers (unless <c>--allow-unregistered</c>, for models static
/// workers serve), printed with before and after, published to the gateways and kept in the audit trail.
/// </summary>
internal static class RolloutCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var rollout = new Command("rollout", "Show or change how a model's requests are split across its versions (canary, shadow).");

        var statusJson = RegistryOutput.JsonOption();
        var status = new Command("status", "Print a model's route (or every route), the versions workers serve, recent changes, and its automated rollout: each step's weight, samples and verdicts, what happens next and when.")
        {
            RedisCommands.RedisRequired(environment), ModelOption(required: false), statusJson,
        };
        status.SetAction((parse, _) => RedisCommands.RunAsync(parse, environment, async (redis, keys) =>
        {
            var model = parse.GetValue<string?>("--model");
            if (parse.GetValue(statusJson))
            {
                await WriteStatusJsonAsync(parse, redis, keys, model).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var routes = new RouteStore(redis, keys: keys);
            var (shown, workers) = await ShownRoutesAsync(routes, redis, keys, model).ConfigureAwait(false);
            if (model is not null && shown.Count == 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Model '{model}' has no route: requests without a version get the latest version served.").ConfigureAwait(false);
            }
            foreach (var route in shown)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{route.Model}: {route.Describe()}  (changed {route.UpdatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by {route.UpdatedBy})").ConfigureAwait(false);
            }
            foreach (var name in model is null ? shown.Select(r => r.Model) : [model])
            {
                var served = WorkerStore.VersionsOf(workers, name);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"  versions served for {name}: {(served.Count == 0 ? "none (no ready worker serves it)" : string.Join(", ", served))}").ConfigureAwait(false);
            }
            var history = await routes.HistoryAsync(model, 10).ConfigureAwait(false);
            if (history.Count > 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync("Recent changes (newest first):").ConfigureAwait(false);
                foreach (var change in history)
                {
                    await parse.InvocationConfiguration.Output.WriteLineAsync($"  {change.At.UtcDateTime:yyyy-MM-dd HH:mm:ss} {change.By,-20} {change.Model}: {Describe(change.Before)} -> {Describe(change.After)}").ConfigureAwait(false);
                }
            }
            await RolloutStatusText.WriteAsync(parse.InvocationConfiguration.Output, redis, keys, model).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));

        var version = new Option<string>("--version") { Description = "The version to send traffic to.", Required = true };
        var weight = new Option<double>("--weight") { Description = "Percent of requests (0-100, fractions allowed) for the canary.", Required = true };
        var stable = new Option<string?>("--stable") { Description = "The stable version. Left out: the route's current one, or the latest other version served." };
        var allowUnregistered = new Option<bool>("--allow-unregistered")
        {
            Description = "Skip the check that a registered worker serves the versions; for models served by static workers (mlops gateway --worker). Weights and percents are still checked.",
        };
        var canary = new Command("canary", "Send a share of a model's requests to a canary version (per caller when requests carry x-routing-key).")
        {
            RedisCommands.RedisRequired(environment), ModelOption(required: true), version, weight, stable, allowUnregistered, ByOption(),
        };
        canary.SetAction((parse, _) => Change(parse, environment, parse.GetValue(allowUnregistered), (route, served) => (route ?? NewRoute(parse.GetValue(stable), parse.GetValue(version)!, served)) with
        {
            Stable = parse.GetValue(stable) ?? route?.Stable ?? DefaultStable(parse.GetValue(version)!, served),
            Canary = parse.GetValue(version),
            CanaryWeight = parse.GetValue(weight),
        }));

        var percent = new Option<double>("--percent") { Description = "Percent of requests (0-100, fractions allowed) copied to the shadow; 0 turns shadowing off.", Required = true };
        var shadow = new Command("shadow", "Copy a share of a model's requests to a shadow version and compare its answers (never returned to callers).")
        {
            RedisCommands.RedisRequired(environment), ModelOption(required: true), version, percent, stable, allowUnregistered, ByOption(),
        };
        shadow.SetAction((parse, _) => Change(parse, environment, parse.GetValue(allowUnregistered), (route, served) =>
        {
            var off = parse.GetValue(percent) == 0;
            return (route ?? NewRoute(parse.GetValue(stable), parse.GetValue(version)!, served)) with
            {
                Stable = parse.GetValue(stable) ?? route?.Stable ?? DefaultStable(parse.GetValue(version)!, served),
                Shadow = off ? null : parse.GetValue(version),
                ShadowPercent = parse.GetValue(percent),
            };
        }));

        var promote = new Command("promote", "Make the canary the stable version: every request without a version gets it.")
        {
            RedisCommands.RedisRequired(environment), ModelOption(required: true), allowUnregistered, ByOption(),
        };
        promote.SetAction((parse, _) => Change(parse, environment, parse.GetValue(allowUnregistered), (route, _) => route is { Canary: { } next }
            ? route with { Stable = next, Canary = null, CanaryWeight = 0 }
            : throw new ArgumentException($"Model '{parse.GetValue<string>("--model")}' has no canary to promote ('mlops rollout status' shows its route).")));

        var rollback = new Command("rollback", "Stop the canary: every request without a version gets the stable version again.")
        {
            RedisCommands.RedisRequired(environment), ModelOption(required: true), allowUnregistered, ByOption(),
        };
        rollback.SetAction((parse, _) => Change(parse, environment, parse.GetValue(allowUnregistered), (route, _) => route is { Canary: not null }
            ? route with { Canary = null, CanaryWeight = 0 }
            : throw new ArgumentException($"Model '{parse.GetValue<string>("--model")}' has no canary to roll back ('mlops rollout status' shows its route).")));

        var clear = new Command("clear", "Remove the model's route: requests without a version get the latest version served.")
        {
            RedisCommands.RedisRequired(environment), ModelOption(required: true), ByOption(),
        };
        // Removing a route names no version, so there is nothing to check against the workers.
        clear.SetAction((parse, _) => Change(parse, environment, allowUnregistered: false, (_, _) => null));

        rollout.Subcommands.Add(status);
        rollout.Subcommands.Add(canary);
        rollout.Subcommands.Add(shadow);
        rollout.Subcommands.Add(promote);
        rollout.Subcommands.Add(rollback);
        rollout.Subcommands.Add(clear);
        foreach (var automated in RolloutStartCommand.Create(environment))
        {
            rollout.Subcommands.Add(automated);
        }
        return rollout;
    }

    private static readonly JsonSerializerOptions s_statusJson = new() { WriteIndented = true, Converters = { new UndefinedAsNullConverter(), new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };

    /// <summary><c>status --json</c>: the routes, the versions served, and the rollouts (<see cref="RolloutStatusText.JsonAsync"/>); NaN is null.</summary>
    private static async Task WriteStatusJsonAsync(ParseResult parse, IConnectionMultiplexer redis, RedisKeys keys, string? model)
    {
        var (shown, workers) = await ShownRoutesAsync(new RouteStore(redis, keys: keys), redis, keys, model).ConfigureAwait(false);
        var rollouts = await RolloutStatusText.JsonAsync(redis, keys, model, DateTimeOffset.UtcNow).ConfigureAwait(false);
        var value = new
        {
            routes = shown.Select(r => new { model = r.Model, route = r.Describe(), stable = r.Stable, canary = r.Canary, canary_weight = r.CanaryWeight, shadow = r.Shadow,
                shadow_percent = r.ShadowPercent, updated_at = r.UpdatedAt, updated_by = r.UpdatedBy, versions_served = WorkerStore.VersionsOf(workers, r.Model) }).ToList(),
            rollout = rollouts,
        };
        await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(value, s_statusJson)).ConfigureAwait(false);
    }

    /// <summary>The route of <paramref name="model"/> (none when it has none), or every route, and the registered workers.</summary>
    private static async Task<(IReadOnlyList<RouteRecord> Shown, IReadOnlyList<WorkerRecord> Workers)> ShownRoutesAsync(
        RouteStore routes, IConnectionMultiplexer redis, RedisKeys keys, string? model)
    {
        var workers = await new WorkerStore(redis, keys).ListAsync().ConfigureAwait(false);
        IReadOnlyList<RouteRecord> shown = model is null ? await routes.ListAsync().ConfigureAwait(false)
            : await routes.GetAsync(model).ConfigureAwait(false) is { } one ? [one] : [];
        return (shown, workers);
    }

    private static Option<string> ModelOption(bool required) => new("--model") { Description = "The model.", Required = required };

    private static Option<string> ByOption() => new("--by")
    {
        Description = "Who makes the change, for the audit trail.",
        DefaultValueFactory = _ => $"{Environment.UserName}@{Environment.MachineName}",
    };

    private static Task<int> Change(ParseResult parse, CliEnvironment environment, bool allowUnregistered, Func<RouteRecord?, IReadOnlyList<string>, RouteRecord?> change) =>
        RedisCommands.RunAsync(parse, environment, async (redis, keys) =>
        {
            var model = parse.GetValue<string>("--model")!;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var result = await new RouteStore(redis, keys: keys).ChangeAsync(model, change, parse.GetValue<string>("--by")!, requireRegisteredWorkers: !allowUnregistered)
                    .ConfigureAwait(false);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"""
                    Model '{model}':
                      before: {Describe(result.Before)}
                      after:  {Describe(result.After)}
                    Published to the gateways; recorded in {keys.RoutesAudit}.
                    """).ConfigureAwait(false);
                if (result.Unregistered is { Count: > 0 } unregistered)
                {
                    await error.WriteLineAsync($"Warning: no registered worker serves {Versions(unregistered)} of model '{model}'; the route names "
                        + "them unchecked (--allow-unregistered). Requests sent there fail unless a static worker (mlops gateway --worker) serves them.").ConfigureAwait(false);
                }
                return ExitCodes.Ok;
            }
            catch (RouteValidationException ex)
            {
                await error.WriteLineAsync($"The route of model '{model}' was not changed:").ConfigureAwait(false);
                foreach (var message in ex.Errors)
                {
                    await error.WriteLineAsync("  " + message).ConfigureAwait(false);
                }
                if (!allowUnregistered && ex.Unregistered.Count > 0)
                {
                    await error.WriteLineAsync($"If static workers (mlops gateway --worker) serve {Versions(ex.Unregistered)}, add --allow-unregistered.").ConfigureAwait(false);
                }
                return ExitCodes.Refused;
            }
        });

    private static string Versions(IReadOnlyList<string> versions) =>
        (versions.Count == 1 ? "version " : "versions ") + string.Join(", ", versions.Select(v => $"'{v}'"));

    private static RouteRecord NewRoute(string? stable, string version, IReadOnlyList<string> served) =>
        new("", stable ?? DefaultStable(version, served));

    /// <summary>A new route's stable version: the latest served version other than the one being tried.</summary>
    private static string DefaultStable(string version, IReadOnlyList<string> served) =>
        served.LastOrDefault(v => v != version)
        ?? throw new ArgumentException($"No other served version can be the stable one beside '{version}' (served: {(served.Count == 0 ? "none" : string.Join(", ", served))}); give --stable.");

    private static string Describe(RouteRecord? route) => route?.Describe() ?? "no route (latest version)";
}
