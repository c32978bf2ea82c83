using System.CommandLine;

namespace MlopsGateway.Cli;

/// <summary>
/// The environment variables the commands fall back on, in one place. An option given on the
/// command line wins; left out, its variable is read. Values read here are secrets or may hold one
/// (a Redis password), so nothing here prints them, and help names the variable, never its value.
/// </summary>
internal sealed class CliEnvironment(Func<string, string?> read)
{
    /// <summary>The API key of <c>predict</c> and <c>loadtest</c>.</summary>
    public const string ApiKey = "MLOPS_API_KEY";

    /// <summary>The JWT signing key of <c>gateway</c>, <c>up</c> and <c>token create</c>.</summary>
    public const string JwtSigningKey = "MLOPS_JWT_SIGNING_KEY";

    /// <summary>The Redis connection string of every command that takes <c>--redis</c>.</summary>
    public const string Redis = "MLOPS_REDIS";

    /// <summary>The namespace in Redis of every command that takes <c>--redis</c>.</summary>
    public const string Namespace = "MLOPS_NAMESPACE";

    /// <summary>The artefact store directory of <c>models push</c>.</summary>
    public const string Artifacts = "MLOPS_ARTIFACTS";

    /// <summary>The CA file trusted for Redis's certificate, for every command that reaches Redis.</summary>
    public const string RedisCa = "MLOPS_REDIS_CA";

    /// <summary>
    /// The worker secret itself (one, or two on separate lines while rotating) of <c>worker</c> and
    /// <c>gateway</c>, when no <c>--worker-secret-file</c> is given.
    /// </summary>
    public const string WorkerSecret = "MLOPS_WORKER_SECRET";

    /// <summary>The admin secret itself of <c>worker</c> and <c>models</c>, when no <c>--admin-secret-file</c> is given.</summary>
    public const string AdminSecret = "MLOPS_ADMIN_SECRET";

    private readonly Dictionary<Option, string> _variables = [];
    private readonly HashSet<Option> _required = [];

    /// <summary>The process's own environment.</summary>
    public static CliEnvironment Process() => new(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Makes <paramref name="option"/> fall back on <paramref name="variable"/>, saying so in its help.
    /// A <paramref name="required"/> one is refused at parse time when neither is there.
    /// </summary>
    public Option<string?> FallBack(Option<string?> option, string variable, bool required = false)
    {
        option.Description += required ? $" Required: this or {variable} (the option wins)." : $" Or set {variable} (the option wins).";
        _variables.Add(option, variable);
        if (required)
        {
            _required.Add(option);
        }
        return option;
    }

    /// <summary>The option's value, else its variable's; null when neither is set (or either is empty).</summary>
    public string? ValueOf(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { Length: > 0 } given ? given : Read(_variables[option]);

    /// <summary>A variable with no option of its own, or null when it is unset or empty.</summary>
    public string? Read(string variable) => read(variable) is { Length: > 0 } value ? value : null;

    /// <summary>Adds, to <paramref name="command"/> and each command beneath it, the parse-time check of its required fallbacks.</summary>
    public void Apply(Command command)
    {
        foreach (var option in command.Options.Where(_required.Contains))
        {
            var variable = _variables[option];
            command.Validators.Add(result =>
            {
                if (result.GetResult(option) is null && Read(variable) is null)
                {
                    result.AddError($"Option '{option.Name}' is required (or set {variable}).");
                }
            });
        }
        foreach (var sub in command.Subcommands)
        {
            Apply(sub);
        }
    }
}
