using System.CommandLine;
using System.Globalization;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using MlopsGateway.Registry.Rollouts;
using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops rollout start|pause|resume|abort|confirm</c>: automated canary analysis. <c>start</c> writes
/// the rollout to Redis; the leading gateway's controller runs it (shadow phase, steps, promotion or
/// rollback). The others are requests to the running rollout, audited like every decision.
/// </summary>
internal static class RolloutStartCommand
{
    public static IEnumerable<Command> Create(CliEnvironment environment)
    {
        yield return Start(environment);
        yield return Request(environment, "pause", RolloutDecisions.Pause,
            "Hold a running rollout where it is: its weight stays, nothing is judged, until 'mlops rollout resume'.",
            (r, by, _) => r.Paused
                ? throw new RolloutConflictException($"The rollout of '{r.Model}' is already paused.")
                : r with { Paused = true, Reason = $"Paused by {by}: the canary's weight stays at {Percent(r.Weight)} until 'mlops rollout resume'." });
        yield return Request(environment, "resume", RolloutDecisions.Resume,
            "Resume a paused rollout: judging starts again with a fresh window (the paused time is not judged).",
            (r, by, now) => !r.Paused
                ? throw new RolloutConflictException($"The rollout of '{r.Model}' is not paused.")
                : r with { Paused = false, NextAt = RolloutChecks.AlignUp(now) + r.Interval, Reason = $"Resumed by {by}." });
        yield return Request(environment, "abort", RolloutDecisions.Abort,
            "Stop a running rollout: the leading gateway takes the canary out (weight 0, shadow off); stable stays.",
            (r, by, _) => r with { Phase = RolloutPhases.Aborted, Settled = false, Paused = false, Reason = $"Aborted by {by}." });
        yield return Request(environment, "confirm", RolloutDecisions.Confirm,
            "Confirm the promotion of a rollout started with --confirm (now, or in advance while its steps run).",
            (r, by, _) => !r.Confirm
                ? throw new RolloutConflictException($"The rollout of '{r.Model}' was not started with --confirm: it promotes on its own when every step passes.")
                : r.Confirmed ? throw new RolloutConflictException($"The rollout of '{r.Model}' is already confirmed.")
                : r with { Confirmed = true, Reason = r.Phase == RolloutPhases.AwaitingConfirm ? $"Confirmed by {by}; the leading gateway promotes it." : $"Confirmed in advance by {by}: it promotes once every step passes." });
    }

    private static Command Start(CliEnvironment environment)
    {
        var model = new Option<string>("--model") { Description = "The model.", Required = true };
        var version = new Option<string>("--version") { Description = "The version to roll out; a registered worker must serve it.", Required = true };
        var shadow = TypedOptions.Duration("--shadow", "First copy requests to the version as a shadow for this long (answers compared, never returned), so disagreement is measured before any caller sees it; 0: no shadow phase.", "0", "5m");
        var steps = TypedOptions.Numbers("--steps", "The canary's weights in percent, in order; a step of 100 is the promotion itself (stable would have no requests to compare with). Default 5,25,50,100.", "5,25,50,100");
        var interval = TypedOptions.Duration("--interval", "Length of each judged window: a whole number of 10 s telemetry buckets. Each step lasts one passing window at least.", "1m", "1m");
        var minRequests = new Option<long>("--min-requests") { Description = "Calls each side needs in a window; fewer is inconclusive and the step holds (never passes).", DefaultValueFactory = _ => 500 }
            .Within(1L, long.MaxValue, "--min-requests must be at least 1, not {0}.");
        var threshold = new Option<int>("--failure-threshold") { Description = "Windows in a row a criterion may fail before the rollout rolls back (canary weight 0).", DefaultValueFactory = _ => 2 }
            .Within(1, 100, "--failure-threshold must be 1 to 100, not {0}.");
        var confirm = new Option<bool>("--confirm") { Description = "Wait for 'mlops rollout confirm' before promoting, once every step passed." };
        var webhook = new Option<string?>("--webhook") { Description = "POST every decision (start, each step, promotion, rollback) as JSON with its evidence here; retried, never waited for. Never printed." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Judge every window and record what would be decided, but never move weights (nor the route's shadow, nor the alias)." };
        var errorRate = Limit("--max-error-rate-increase", "Percentage points the canary's error rate may exceed stable's (two-proportion test); 'none' to not judge it.", "0.5");
        var latency = Limit("--max-latency-ratio", "The canary's p99 latency over stable's (Mann-Whitney U test with an effect size); 'none' to not judge it.", "1.2");
        var disagreement = Limit("--max-disagreement", "Percent of rows whose top class differs from stable's on the same inputs (shadow copies); 'none' for models that are not classifiers.", "2");
        var drift = Limit("--max-drift", "Highest drift score of the canary's primary tests (monitoring's data: the version needs a baseline); not judged when left out.", null);
        var accuracy = Limit("--min-accuracy-delta", "The canary's accuracy minus stable's may not fall below this (e.g. -0.01; monitoring's labels); not judged when left out.", null);
        var sample = new Option<double>("--shadow-sample") { Description = "Percent of stable's requests copied to the canary during the steps, so disagreement stays measured; 0 stops judging disagreement after the shadow phase.", DefaultValueFactory = _ => 10 }
            .Within(0, 100, "--shadow-sample must be a percent (0 to 100), not {0}.");
        var by = new Option<string>("--by") { Description = "Who starts it, for the audit trail.", DefaultValueFactory = _ => $"{Environment.UserName}@{Environment.MachineName}" };
        var command = new Command("start", "Start an automated rollout: shadow phase, then canary steps, each judged against stable over the same windows; promoted when every step passes, rolled back when a criterion fails --failure-threshold windows in a row. The leading gateway runs it; 'mlops rollout status' follows it.")
        {
            RedisCommands.RedisRequired(environment), model, version, shadow, steps, interval, minRequests, threshold, confirm, webhook, dryRun,
            errorRate, latency, disagreement, drift, accuracy, sample, by,
        };
        command.SetAction((parse, _) => RedisCommands.RunAsync(parse, environment, async (redis, keys) =>
        {
            var (name, canary, who) = (parse.GetValue(model)!, parse.GetValue(version)!, parse.GetValue(by)!);
            var weights = parse.GetValue(steps) is { Length: > 0 } given ? given : [5, 25, 50, 100];
            var window = parse.GetValue(interval).Value;
            var refusals = new List<string>();
            if (RolloutChecks.StepsProblem(weights) is { } stepsProblem)
            {
                refusals.Add($"--steps: {stepsProblem.Replace("its steps", "steps", StringComparison.Ordinal)}.");
            }
            if (window < TelemetryStore.BucketLength || window.Ticks % TelemetryStore.BucketLength.Ticks != 0)
            {
                refusals.Add($"--interval must be a whole number of {TelemetryStore.BucketLength.TotalSeconds:0} s telemetry buckets (10s, 30s, 1m, ...), not {parse.GetValue(interval).Text}.");
            }
            if (parse.GetValue(webhook) is { } url && RolloutChecks.WebhookProblem(url) is { } hookProblem)
            {
                refusals.Add($"--webhook: {hookProblem}.");
            }
            var served = WorkerStore.VersionsOf(await new WorkerStore(redis, keys).ListAsync().ConfigureAwait(false), name);
            if (!served.Contains(canary))
            {
                refusals.Add($"No registered worker serves version '{canary}' of model '{name}' (served: {(served.Count == 0 ? "none" : string.Join(", ", served))}); 'mlops workers' lists what each worker serves.");
            }
            var route = await new RouteStore(redis, keys: keys).GetAsync(name).ConfigureAwait(false);
            // Judged against what callers get now: the route's stable version, else the champion, else the latest other version served.
            var champion = route is null ? await new ModelRegistry(redis, keys: keys).ResolveAliasAsync(name, "champion").ConfigureAwait(false) : null;
            var stable = route?.Stable ?? (champion is not null && served.Contains(champion) ? champion : served.LastOrDefault(v => v != canary));
            if (stable is null || stable == canary)
            {
                refusals.Add(stable is null
                    ? $"Model '{name}' has no other version served to judge '{canary}' against; start a worker with the stable version too."
                    : $"Version '{canary}' is already the stable version of '{name}'.");
            }
            if (refusals.Count > 0)
            {
                foreach (var refusal in refusals)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync(refusal).ConfigureAwait(false);
                }
                return ExitCodes.Refused;
            }
            double? LimitOf(Option<double> limit) => parse.GetValue(limit) is var value && double.IsNaN(value) ? null : value;
            var criteria = new RolloutCriteria(LimitOf(errorRate), LimitOf(latency), LimitOf(disagreement), LimitOf(drift), LimitOf(accuracy), parse.GetValue(minRequests));
            var now = DateTimeOffset.UtcNow;
            var shadowFor = parse.GetValue(shadow).Value;
            var record = new RolloutRecord(name, canary, stable!, weights, 0, RolloutPhases.Starting, false, parse.GetValue(dryRun), parse.GetValue(confirm), false,
                window, shadowFor, parse.GetValue(sample), parse.GetValue(threshold), new Dictionary<string, int>(), criteria, [],
                $"Started by {who}; waiting for the leading gateway's controller to begin it.", now, who, now, now, now, false, parse.GetValue(webhook), 0);
            await new RolloutStore(redis, keys).StartAsync(record).ConfigureAwait(false);
            var output = parse.InvocationConfiguration.Output;
            await output.WriteLineAsync($"Rollout of '{name}' started: version {canary} against stable {stable}{(record.DryRun ? " (dry run: no weight moves)" : "")}.").ConfigureAwait(false);
            await output.WriteLineAsync($"  {(shadowFor > TimeSpan.Zero ? $"shadow {parse.GetValue(shadow).Text}, then " : "")}steps {string.Join(", ", weights.Select(Percent))}; "
                + $"each judged over {parse.GetValue(interval).Text}; rolled back after {record.FailureThreshold} failed window(s) in a row; "
                + (record.Confirm ? "promotion waits for 'mlops rollout confirm'." : "promoted when every step passes.")).ConfigureAwait(false);
            await output.WriteLineAsync($"  webhook: {(record.Webhook is null ? "none" : "set")}. Follow it: mlops rollout status --model {name}").ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Request(CliEnvironment environment, string name, string decision, string description, Func<RolloutRecord, string, DateTimeOffset, RolloutRecord> change)
    {
        var model = new Option<string>("--model") { Description = "The model whose rollout it is.", Required = true };
        var by = new Option<string>("--by") { Description = "Who asks, for the audit trail.", DefaultValueFactory = _ => $"{Environment.UserName}@{Environment.MachineName}" };
        var command = new Command(name, description) { RedisCommands.RedisRequired(environment), model, by };
        command.SetAction((parse, _) => RedisCommands.RunAsync(parse, environment, async (redis, keys) =>
        {
            var who = parse.GetValue(by)!;
            var record = await new RolloutStore(redis, keys).RequestAsync(parse.GetValue(model)!, decision, who, r => change(r, who, DateTimeOffset.UtcNow)).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Rollout of '{record.Model}' (version {record.Canary}): {record.Reason}").ConfigureAwait(false);
            if (await LeaderLease.CurrentAsync(redis, keys).ConfigureAwait(false) is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("Warning: no gateway leads the rollout controllers now; nothing moves until a gateway runs.").ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>A limit option: a number, or <c>none</c> not to judge the criterion; <paramref name="fallback"/> null leaves it out by default.</summary>
    // NaN stands for none inside the parser: System.CommandLine cannot hand a custom parser's null back as a double?.
    private static Option<double> Limit(string name, string description, string? fallback) => new(name)
    {
        Description = description + (fallback is null ? "" : $" Default {fallback}."),
        HelpName = "number|none",
        DefaultValueFactory = _ => fallback is null ? double.NaN : double.Parse(fallback, CultureInfo.InvariantCulture),
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                return double.NaN;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            {
                return value;
            }
            result.AddError($"{name} '{text}' is not a number (or 'none').");
            return double.NaN;
        },
    };

    internal static string Percent(double value) => value.ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
