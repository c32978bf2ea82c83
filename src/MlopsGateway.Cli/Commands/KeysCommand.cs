using System.CommandLine;
using System.Globalization;
using MlopsGateway.Registry;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops keys create|list|update|revoke|audit</c>: API keys in Redis, every change kept in an audit trail.</summary>
internal static class KeysCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var keys = new Command("keys", "Manage API keys (stored in Redis as SHA-256 hashes; changes kept in an audit trail).");

        var name = new Option<string>("--name") { Description = "A label for the key, e.g. the calling service.", Required = true };
        var models = CallerOptions.Models("key");
        var scopes = CallerOptions.Scopes("key");
        var rate = CallerOptions.Rate();
        var burst = CallerOptions.Burst();
        var maxInFlight = MaxInFlight();
        var actor = Actor();
        var create = new Command("create", "Create a key and print its secret once.")
        {
            RedisCommands.RedisRequired(environment), name, models, scopes, rate, burst, maxInFlight, actor,
        };
        create.SetAction(async (parse, _) => await WithStore(parse, environment, async store =>
        {
            var allowed = parse.GetValue(models)!;
            var (record, secret) = await store.CreateAsync(parse.GetValue(name)!, allowed, null, parse.GetValue(rate), parse.GetValue(burst),
                parse.GetValue(maxInFlight), parse.GetValue(actor), parse.GetValue(scopes)).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"""
                Created key {record.Id} '{record.Name}' for models: {string.Join(", ", record.Models)}; scopes: {string.Join(",", record.EffectiveScopes)}{Quota(record)}
                Secret (shown once, store it now): {secret}
                """).ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));

        var list = new Command("list", "List keys: id, name, created time, scopes, models (never secrets).") { RedisCommands.RedisRequired(environment) };
        list.SetAction(async (parse, _) => await WithStore(parse, environment, async store =>
        {
            var records = await store.ListAsync().ConfigureAwait(false);
            if (records.Count == 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync("No keys.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{"ID",-14}{"NAME",-24}{"CREATED (UTC)",-22}{"SCOPES",-24}MODELS").ConfigureAwait(false);
            foreach (var r in records)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{r.Id,-14}{r.Name,-24}{r.CreatedAt.UtcDateTime,-22:yyyy-MM-dd HH:mm:ss}{string.Join(",", r.EffectiveScopes),-24}{string.Join(",", r.Models)}{Quota(r)}").ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }).ConfigureAwait(false));

        var id = new Argument<string>("id") { Description = "The key's id ('mlops keys list' shows them)." };
        var updateRate = CallerOptions.Rate();
        var updateBurst = CallerOptions.Burst();
        var updateInFlight = MaxInFlight();
        var unlimited = new Option<bool>("--unlimited") { Description = "Remove the key's rate, burst and limit in flight first; the options given set them again." };
        var updateActor = Actor();
        var update = new Command("update", "Change a key's quota (--rate, --burst) or limit of requests in flight; options left out keep their value.")
        {
            RedisCommands.RedisRequired(environment), id, updateRate, updateBurst, updateInFlight, unlimited, updateActor,
        };
        update.SetAction(async (parse, _) => await WithStore(parse, environment, async store =>
        {
            var keyId = parse.GetValue(id)!;
            var current = (await store.ListAsync().ConfigureAwait(false)).FirstOrDefault(r => r.Id == keyId);
            if (current is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No key has id '{keyId}'. 'mlops keys list' shows them.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            var kept = parse.GetValue(unlimited) ? current with { RatePerSecond = null, Burst = null, MaxInFlight = null } : current;
            var updated = await store.UpdateQuotaAsync(keyId, parse.GetValue(updateRate) ?? kept.RatePerSecond, parse.GetValue(updateBurst) ?? kept.Burst,
                parse.GetValue(updateInFlight) ?? kept.MaxInFlight, parse.GetValue(updateActor)).ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync(updated is null
                ? $"Key {keyId} was revoked meanwhile."
                : $"Updated key {updated.Id} '{updated.Name}'{(Quota(updated) is { Length: > 0 } quota ? quota : "; no limits")}").ConfigureAwait(false);
            return updated is null ? ExitCodes.Refused : ExitCodes.Ok;
        }).ConfigureAwait(false));

        var target = new Argument<string>("id-or-name") { Description = "The key's id, or its name (every key of that name is revoked)." };
        var revokeActor = Actor();
        var revoke = new Command("revoke", "Revoke keys by id or name; gateways refuse them within moments.") { RedisCommands.RedisRequired(environment), target, revokeActor };
        revoke.SetAction(async (parse, _) => await WithStore(parse, environment, async store =>
        {
            var removed = await store.RevokeAsync(parse.GetValue(target)!, parse.GetValue(revokeActor)).ConfigureAwait(false);
            if (removed.Count == 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"No key has id or name '{parse.GetValue(target)}'. 'mlops keys list' shows them.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            foreach (var r in removed)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Revoked key {r.Id} '{r.Name}'.").ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }).ConfigureAwait(false));

        var count = new Option<int>("--count") { Description = "How many of the latest changes to show.", DefaultValueFactory = _ => 20 };
        var audit = new Command("audit", $"List the latest key changes, newest first: created, revoked, quota changed; who, when, id and name (never secrets). Kept in {{NAMESPACE}}:keys:audit.")
        {
            RedisCommands.RedisRequired(environment), count,
        };
        audit.SetAction(async (parse, _) => await WithStore(parse, environment, async store =>
        {
            var changes = await store.HistoryAsync(Math.Max(1, parse.GetValue(count))).ConfigureAwait(false);
            var output = parse.InvocationConfiguration.Output;
            if (changes.Count == 0)
            {
                await output.WriteLineAsync("No key changes recorded.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            await output.WriteLineAsync($"{"WHEN (UTC)",-22}{"ACTION",-15}{"ID",-14}{"NAME",-24}BY").ConfigureAwait(false);
            foreach (var c in changes)
            {
                var quota = Quota(new ApiKeyRecord(c.KeyId, c.Name, "", c.Models, c.At, c.RatePerSecond, c.Burst, c.MaxInFlight));
                await output.WriteLineAsync($"{c.At.UtcDateTime,-22:yyyy-MM-dd HH:mm:ss}{c.Action,-15}{c.KeyId,-14}{c.Name,-24}{c.By}{quota}").ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }).ConfigureAwait(false));

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(list);
        keys.Subcommands.Add(update);
        keys.Subcommands.Add(revoke);
        keys.Subcommands.Add(audit);
        return keys;
    }

    private static Option<int?> MaxInFlight() => new("--max-in-flight")
    {
        Description = "Requests of the key each gateway forwards at once; more are refused RESOURCE_EXHAUSTED until one is answered. Left out: no limit.",
    };

    private static Option<string> Actor() => new("--actor", "--by")
    {
        Description = "Who makes the change, for the audit trail.",
        DefaultValueFactory = _ => $"{Environment.UserName}@{Environment.MachineName}",
    };

    private static string Quota(ApiKeyRecord record)
    {
        var text = record.RatePerSecond is { } rate
            ? string.Create(CultureInfo.InvariantCulture, $"; quota {rate}/s, burst {record.Burst?.ToString(CultureInfo.InvariantCulture) ?? "= rate"}")
            : "";
        return record.MaxInFlight is { } inFlight ? text + string.Create(CultureInfo.InvariantCulture, $"; at most {inFlight} in flight") : text;
    }

    private static Task<int> WithStore(ParseResult parse, CliEnvironment environment, Func<ApiKeyStore, Task<int>> action) =>
        RedisCommands.RunAsync(parse, environment, (redis, keys) => action(new ApiKeyStore(redis, keys: keys)));
}
