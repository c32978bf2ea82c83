using System.CommandLine;
using System.Globalization;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using Spectre.Console;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops models push|list|show|history|alias|deprecate|retire|callers</c>: the model registry in
/// Redis, beside the worker repository commands (<c>index</c>, <c>load</c>, <c>unload</c>).
/// </summary>
internal static class ModelRegistryCommands
{
    /// <summary>Adds the registry's commands to <paramref name="models"/>.</summary>
    public static void AddTo(Command models, CliEnvironment environment)
    {
        models.Subcommands.Add(ModelPushCommand.Create(environment));
        models.Subcommands.Add(List(environment));
        models.Subcommands.Add(Show(environment));
        models.Subcommands.Add(History(environment));
        models.Subcommands.Add(ModelLifecycleCommands.Alias(environment));
        models.Subcommands.Add(ModelLifecycleCommands.Deprecate(environment));
        models.Subcommands.Add(ModelLifecycleCommands.Retire(environment));
        models.Subcommands.Add(Callers(environment));
    }

    public static Argument<string> ModelArgument() => new("model") { Description = "The model's name in the registry." };

    public static Argument<string> VersionArgument(string description = "The version.") => new("version") { Description = description };

    public static Option<string> ByOption() => new("--by")
    {
        Description = "Who makes the change, for the audit trail.",
        DefaultValueFactory = _ => $"{Environment.UserName}@{Environment.MachineName}",
    };

    /// <summary>Connects, runs <paramref name="action"/> on the registry, and turns its refusals into a message and <see cref="ExitCodes.Refused"/>.</summary>
    public static Task<int> WithRegistry(ParseResult parse, CliEnvironment environment, Func<ModelRegistry, Task<int>> action) =>
        WithRegistry(parse, environment, (registry, _) => action(registry));

    /// <summary>As <see cref="WithRegistry(ParseResult, CliEnvironment, Func{ModelRegistry, Task{int}})"/>, with the versions' baselines too.</summary>
    public static Task<int> WithRegistry(ParseResult parse, CliEnvironment environment, Func<ModelRegistry, BaselineStore, Task<int>> action) =>
        RedisCommands.RunAsync(parse, environment, async (redis, keys) =>
        {
            try
            {
                return await action(new ModelRegistry(redis, keys: keys), new BaselineStore(redis, keys)).ConfigureAwait(false);
            }
            catch (ModelRegistryException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.Refused;
            }
        });

    private static Command List(CliEnvironment environment)
    {
        var json = RegistryOutput.JsonOption();
        var list = new Command("list", "List every model version in the registry: status, sha256, aliases, deprecation.") { RedisCommands.RedisRequired(environment), json };
        list.SetAction(async (parse, _) => await WithRegistry(parse, environment, async registry =>
        {
            var read = await registry.ListAsync().ConfigureAwait(false);
            var aliases = new Dictionary<string, IReadOnlyDictionary<string, string>>();
            foreach (var model in read.Records.Select(r => r.Model).Distinct())
            {
                aliases[model] = await registry.AliasesAsync(model).ConfigureAwait(false);
            }
            await RegistryOutput.WriteFaultsAsync(parse, read.Faults).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await RegistryOutput.WriteJsonAsync(parse, read.Records).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            if (read.Records.Count == 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync("No models in the registry. 'mlops models push FILE --model NAME' adds one.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = RegistryOutput.Table("MODEL", "VERSION", "STATUS", "SHA256", "CREATED (UTC)", "BY", "ALIASES", "DEPRECATION");
            foreach (var r in read.Records)
            {
                table.Row(r.Model, r.Version, ModelText.Status(r), r.Sha256[..12], RegistryOutput.When(r.CreatedAt), r.CreatedBy,
                    ModelText.AliasesOf(aliases[r.Model], r.Version), ModelText.Deprecation(r));
            }
            RegistryOutput.Console(parse.InvocationConfiguration.Output).Write(table);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));
        return list;
    }

    private static Command Show(CliEnvironment environment)
    {
        var model = ModelArgument();
        var version = new Argument<string?>("version") { Description = "One version to show in full; left out, every version of the model.", Arity = ArgumentArity.ZeroOrOne };
        var json = RegistryOutput.JsonOption();
        var show = new Command("show", "Show a model's versions and aliases, or one version in full: signature, lineage, metrics, deprecation.")
        {
            RedisCommands.RedisRequired(environment), model, version, json,
        };
        show.SetAction(async (parse, _) => await WithRegistry(parse, environment, async (registry, baselines) =>
        {
            var name = parse.GetValue(model)!;
            var aliases = await registry.AliasesAsync(name).ConfigureAwait(false);
            var console = RegistryOutput.Console(parse.InvocationConfiguration.Output);
            if (parse.GetValue(version) is { } wanted)
            {
                if (await registry.GetAsync(name, wanted).ConfigureAwait(false) is not { } record)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"'{name}' has no version {wanted}. 'mlops models show {name}' lists its versions.").ConfigureAwait(false);
                    return ExitCodes.Refused;
                }
                var baseline = await BaselineText.ReadAsync(parse, baselines, record).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    await RegistryOutput.WriteJsonAsync(parse, BaselineText.WithBaseline(record, baseline)).ConfigureAwait(false);
                    return ExitCodes.Ok;
                }
                console.Write(ModelText.Detail(record, ModelText.AliasesOf(aliases, record.Version)));
                console.Write(BaselineText.Summary(baseline));
                return ExitCodes.Ok;
            }
            var read = await registry.VersionsAsync(name).ConfigureAwait(false);
            await RegistryOutput.WriteFaultsAsync(parse, read.Faults).ConfigureAwait(false);
            if (read.Records.Count == 0 && read.Faults.Count == 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"The registry has no model '{name}'. 'mlops models list' lists them.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            if (parse.GetValue(json))
            {
                await RegistryOutput.WriteJsonAsync(parse, new { model = name, aliases, versions = read.Records }).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = RegistryOutput.Table("VERSION", "STATUS", "SHA256", "SIZE", "INPUTS", "OUTPUTS", "CREATED (UTC)", "BY", "ALIASES", "DEPRECATION");
            foreach (var r in read.Records)
            {
                table.Row(r.Version, ModelText.Status(r), r.Sha256[..12], r.Size.ToString(CultureInfo.InvariantCulture),
                    string.Join("; ", r.Signature.Inputs.Select(t => t.Describe())), string.Join("; ", r.Signature.Outputs.Select(t => t.Describe())),
                    RegistryOutput.When(r.CreatedAt), r.CreatedBy, ModelText.AliasesOf(aliases, r.Version), ModelText.Deprecation(r));
            }
            console.Write(table);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));
        return show;
    }

    private static Command History(CliEnvironment environment)
    {
        var model = ModelArgument();
        var count = new Option<int>("--count") { Description = "How many of the latest changes to show.", DefaultValueFactory = _ => 50 };
        var json = RegistryOutput.JsonOption();
        var history = new Command("history", "List a model's changes, newest first: pushes, alias moves (from, to), deprecations, retirements; who and when.")
        {
            RedisCommands.RedisRequired(environment), model, count, json,
        };
        history.SetAction(async (parse, _) => await WithRegistry(parse, environment, async registry =>
        {
            var name = parse.GetValue(model)!;
            var changes = await registry.HistoryAsync(name, Math.Max(1, parse.GetValue(count))).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var moves = await registry.AliasHistoryAsync(name, Math.Max(1, parse.GetValue(count))).ConfigureAwait(false);
                await RegistryOutput.WriteJsonAsync(parse, new { model = name, changes, alias_moves = moves }).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            if (changes.Count == 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"No changes recorded for '{name}'.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = RegistryOutput.Table("WHEN (UTC)", "ACTION", "VERSION", "BY", "DETAIL");
            foreach (var c in changes)
            {
                table.Row(RegistryOutput.When(c.At), c.Action, c.Version, c.By, c.Detail);
            }
            RegistryOutput.Console(parse.InvocationConfiguration.Output).Write(table);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));
        return history;
    }

    private static Command Callers(CliEnvironment environment)
    {
        var model = ModelArgument();
        var version = VersionArgument();
        var json = RegistryOutput.JsonOption();
        var callers = new Command("callers", "List the keys that still call a version, as gateways counted them: calls and when they last called.")
        {
            RedisCommands.RedisRequired(environment), model, version, json,
        };
        callers.SetAction(async (parse, _) => await WithRegistry(parse, environment, async registry =>
        {
            var (name, wanted) = (parse.GetValue(model)!, parse.GetValue(version)!);
            if (await registry.GetAsync(name, wanted).ConfigureAwait(false) is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"'{name}' has no version {wanted}. 'mlops models show {name}' lists its versions.").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            var read = await registry.CallersAsync(name, wanted).ConfigureAwait(false);
            await RegistryOutput.WriteFaultsAsync(parse, read.Faults).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await RegistryOutput.WriteJsonAsync(parse, read.Records.Select(c => new { key_id = c.KeyId, count = c.Count, last_seen = c.LastSeen })).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            if (read.Records.Count == 0)
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync($"No calls to '{name}' version {wanted} counted.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            var table = RegistryOutput.Table("KEY", "CALLS", "LAST SEEN (UTC)");
            foreach (var c in read.Records)
            {
                table.Row(c.KeyId, c.Count.ToString(CultureInfo.InvariantCulture), RegistryOutput.When(c.LastSeen));
            }
            RegistryOutput.Console(parse.InvocationConfiguration.Output).Write(table);
            return ExitCodes.Ok;
        }).ConfigureAwait(false));
        return callers;
    }
}
