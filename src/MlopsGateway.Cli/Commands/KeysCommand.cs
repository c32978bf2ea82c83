using System.CommandLine;
using MlopsGateway.Registry;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops keys create|list|revoke</c>: API keys in Redis.</summary>
internal static class KeysCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var keys = new Command("keys", "Manage API keys (stored in Redis as SHA-256 hashes).");

        var name = new Option<string>("--name") { Description = "A label for the key, e.g. the calling service.", Required = true };
        var models = CallerOptions.Models("key");
        var rate = CallerOptions.Rate();
        var burst = CallerOptions.Burst();
        var create = new Command("create", "Create a key and print its secret once.") { RedisCommands.RedisRequired(environment), name, models, rate, burst };
        create.SetAction(async (parse, _) => await WithStore(parse, environment, async store =>
        {
            var allowed = parse.GetValue(models)!;
            var (record, secret) = await store.CreateAsync(parse.GetValue(name)!, allowed, null, parse.GetValue(rate), parse.GetValue(burst))
                .ConfigureAwait(false);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"""
                Created key {record.Id} '{record.Name}' for models: {string.Join(", ", record.Models)}{Quota(record)}
                Secret (shown once, store it now): {secret}
                """).ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));

        var list = new Command("list", "List keys: id, name, models, created time (never secrets).") { RedisCommands.RedisRequired(environment) };
        list.SetAction(async (parse, _) => await WithStore(parse, environment, async store =>
        {
            var records = await store.ListAsync().ConfigureAwait(false);
            if (records.Count == 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync("No keys.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{"ID",-14}{"NAME",-24}{"CREATED (UTC)",-22}MODELS").ConfigureAwait(false);
            foreach (var r in records)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"{r.Id,-14}{r.Name,-24}{r.CreatedAt.UtcDateTime,-22:yyyy-MM-dd HH:mm:ss}{string.Join(",", r.Models)}{Quota(r)}").ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }).ConfigureAwait(false));

        var target = new Argument<string>("id-or-name") { Description = "The key's id, or its name (every key of that name is revoked)." };
        var revoke = new Command("revoke", "Revoke keys by id or name; gateways refuse them within moments.") { RedisCommands.RedisRequired(environment), target };
        revoke.SetAction(async (parse, _) => await WithStore(parse, environment, async store =>
        {
            var removed = await store.RevokeAsync(parse.GetValue(target)!).ConfigureAwait(false);
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

        keys.Subcommands.Add(create);
        keys.Subcommands.Add(list);
        keys.Subcommands.Add(revoke);
        return keys;
    }

    private static string Quota(ApiKeyRecord record) => record.RatePerSecond is { } rate
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; quota {rate}/s, burst {record.Burst?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "= rate"}")
        : "";

    private static Task<int> WithStore(ParseResult parse, CliEnvironment environment, Func<ApiKeyStore, Task<int>> action) =>
        RedisCommands.RunAsync(parse, environment, redis => action(new ApiKeyStore(redis)));
}
