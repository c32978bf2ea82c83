using System.CommandLine;
using MlopsGateway.Registry;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>--namespace</c>: the deployment's namespace in Redis, on every command that talks to Redis
/// (those with <c>--redis</c>), added in one place so that none is left without it.
/// </summary>
internal static class NamespaceOption
{
    public const string Name = "--namespace";

    /// <summary>Adds <c>--namespace</c> (falling back on <c>MLOPS_NAMESPACE</c>) to every command under <paramref name="root"/> that has <c>--redis</c>.</summary>
    public static void Apply(Command root, CliEnvironment environment)
    {
        if (root.Options.Any(o => o.Name == "--redis") && root.Options.All(o => o.Name != Name))
        {
            root.Options.Add(Create(environment));
        }
        foreach (var sub in root.Subcommands)
        {
            Apply(sub, environment);
        }
    }

    /// <summary>
    /// The keys of the namespace the command was given (<see cref="RedisKeys.Default"/> when none).
    /// </summary>
    /// <exception cref="SettingRefusedException">The namespace (from <c>MLOPS_NAMESPACE</c>: the parser checks the option's) breaks the rule.</exception>
    public static RedisKeys Keys(ParseResult parse, CliEnvironment environment)
    {
        var option = parse.CommandResult.Command.Options.OfType<Option<string?>>().Single(o => o.Name == Name);
        var name = environment.ValueOf(parse, option) ?? RedisKeys.DefaultNamespace;
        return RedisKeys.NamespaceProblem(name) is { } problem
            ? throw new SettingRefusedException("Namespace", $"{Name} or {CliEnvironment.Namespace}", problem)
            : new RedisKeys(name);
    }

    private static Option<string?> Create(CliEnvironment environment)
    {
        var option = new Option<string?>(Name)
        {
            Description = $"The deployment's namespace in Redis: every key and channel starts '{{NAME}}:', so deployments sharing a Redis never see each other's keys, routes or workers ({RedisKeys.NamespaceRule}). Left out: {RedisKeys.DefaultNamespace}.",
            HelpName = "name",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } given && RedisKeys.NamespaceProblem(given) is { } problem)
            {
                result.AddError($"{Name}: {problem}");
            }
        });
        return environment.FallBack(option, CliEnvironment.Namespace);
    }
}
