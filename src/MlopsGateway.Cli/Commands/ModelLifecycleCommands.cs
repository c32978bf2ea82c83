using System.CommandLine;
using System.Globalization;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops models alias set|remove</c>, <c>deprecate</c> and <c>retire</c>: a version's life after its push, each change audited.</summary>
internal static class ModelLifecycleCommands
{
    public static Command Alias(CliEnvironment environment)
    {
        var alias = new Command("alias", "Point a model's aliases (@champion) at versions; every move is kept in the model's history.");

        var setModel = ModelRegistryCommands.ModelArgument();
        var setName = AliasArgument();
        var setVersion = ModelRegistryCommands.VersionArgument("The version the alias is to point at (READY, not retired).");
        var setBy = ModelRegistryCommands.ByOption();
        var setJson = RegistryOutput.JsonOption();
        var set = new Command("set", "Point an alias at a version (creating or moving it).")
        {
            RedisCommands.RedisRequired(environment), setModel, setName, setVersion, setBy, setJson,
        };
        set.SetAction(async (parse, _) => await ModelRegistryCommands.WithRegistry(parse, environment, async registry =>
        {
            var (model, name, version) = (parse.GetValue(setModel)!, ModelNames.TrimAlias(parse.GetValue(setName)!), parse.GetValue(setVersion)!);
            var move = await registry.SetAliasAsync(model, name, version, parse.GetValue(setBy)!).ConfigureAwait(false);
            if (parse.GetValue(setJson))
            {
                await RegistryOutput.WriteJsonAsync(parse, new { changed = move is not null, model, alias = name, version }).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync(move is null
                ? $"@{name} of '{model}' points at version {version} already; nothing changed."
                : $"@{name} of '{model}': {move.From ?? "(new)"} -> {move.To}.").ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));

        var removeModel = ModelRegistryCommands.ModelArgument();
        var removeName = AliasArgument();
        var removeBy = ModelRegistryCommands.ByOption();
        var remove = new Command("remove", "Remove an alias; callers that name it are refused until it is set again.")
        {
            RedisCommands.RedisRequired(environment), removeModel, removeName, removeBy,
        };
        remove.SetAction(async (parse, _) => await ModelRegistryCommands.WithRegistry(parse, environment, async registry =>
        {
            var (model, name) = (parse.GetValue(removeModel)!, ModelNames.TrimAlias(parse.GetValue(removeName)!));
            if (await registry.RemoveAliasAsync(model, name, parse.GetValue(removeBy)!).ConfigureAwait(false) is not { } move)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"'{model}' has no alias @{name}. 'mlops models show {model}' lists its aliases.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync($"Removed @{name} of '{model}' (it pointed at version {move.From}).").ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));

        alias.Subcommands.Add(set);
        alias.Subcommands.Add(remove);
        return alias;
    }

    public static Command Deprecate(CliEnvironment environment)
    {
        var model = ModelRegistryCommands.ModelArgument();
        var version = ModelRegistryCommands.VersionArgument("The version to deprecate.");
        var sunset = new Option<DateTimeOffset>("--sunset")
        {
            Description = "When calls that pin the version stop being answered: a date (2027-01-31, midnight UTC) or a time (2027-01-31T12:00:00Z).",
            Required = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
                {
                    return value;
                }
                result.AddError($"--sunset '{text}' is not a date or time, e.g. 2027-01-31 or 2027-01-31T12:00:00Z.");
                return default;
            },
        };
        var replacement = new Option<string?>("--replacement") { Description = "The version callers should move to (READY, not retired)." };
        var note = new Option<string?>("--note") { Description = "Why, or what callers should do, for people." };
        var by = ModelRegistryCommands.ByOption();
        var json = RegistryOutput.JsonOption();
        var deprecate = new Command("deprecate", "Deprecate a version: answers from it carry deprecation and sunset metadata until the sunset, after which calls pinning it are refused.")
        {
            RedisCommands.RedisRequired(environment), model, version, sunset, replacement, note, by, json,
        };
        deprecate.SetAction(async (parse, _) => await ModelRegistryCommands.WithRegistry(parse, environment, async registry =>
        {
            var record = await registry.DeprecateAsync(parse.GetValue(model)!, parse.GetValue(version)!, parse.GetValue(sunset),
                parse.GetValue(replacement), parse.GetValue(note), parse.GetValue(by)!).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await RegistryOutput.WriteJsonAsync(parse, record).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"Deprecated '{record.Model}' version {record.Version}: {ModelText.Deprecation(record)}. 'mlops models callers {record.Model} {record.Version}' lists who still calls it.")
                .ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));
        return deprecate;
    }

    public static Command Retire(CliEnvironment environment)
    {
        var model = ModelRegistryCommands.ModelArgument();
        var version = ModelRegistryCommands.VersionArgument("The version to take out of service.");
        var by = ModelRegistryCommands.ByOption();
        var json = RegistryOutput.JsonOption();
        var retire = new Command("retire", "Take a version out of service: registry workers unload it. Refused while an alias points at it.")
        {
            RedisCommands.RedisRequired(environment), model, version, by, json,
        };
        retire.SetAction(async (parse, _) => await ModelRegistryCommands.WithRegistry(parse, environment, async registry =>
        {
            var record = await registry.RetireAsync(parse.GetValue(model)!, parse.GetValue(version)!, parse.GetValue(by)!).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await RegistryOutput.WriteJsonAsync(parse, record).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"Retired '{record.Model}' version {record.Version} ({RegistryOutput.When(record.RetiredAt)} UTC by {record.RetiredBy}).").ConfigureAwait(false);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));
        return retire;
    }

    private static Argument<string> AliasArgument() => new("name") { Description = "The alias, with or without its @ (champion, @champion)." };
}
