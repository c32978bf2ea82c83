using System.CommandLine;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// The worker and admin secrets, read from a file (<c>--worker-secret-file</c>, <c>--admin-secret-file</c>)
/// or from the environment, never from the command line itself, where any user of the machine could
/// read them in the process list. A file or variable holds one secret a line, two while one is
/// rotated in: a worker accepts both, a gateway or <c>mlops models</c> sends the first.
/// </summary>
internal static class SecretOptions
{
    /// <summary>How a refusal names the worker secret's sources.</summary>
    public const string WorkerSources = "--worker-secret-file or " + CliEnvironment.WorkerSecret;

    /// <summary>How a refusal names the admin secret's sources.</summary>
    public const string AdminSources = "--admin-secret-file or " + CliEnvironment.AdminSecret;

    /// <summary><c>--worker-secret-file</c>, described for <paramref name="use"/>.</summary>
    public static Option<string?> WorkerSecretFile(string use) => new("--worker-secret-file")
    {
        Description = $"File holding the worker secret (one line; two while rotating, the first is sent): {use} Or set {CliEnvironment.WorkerSecret} to the secret itself (the option wins).",
        HelpName = "path",
    };

    /// <summary><c>--admin-secret-file</c>, described for <paramref name="use"/>.</summary>
    public static Option<string?> AdminSecretFile(string use) => new("--admin-secret-file")
    {
        Description = $"File holding the admin secret (one line; two while rotating, the first is sent): {use} Or set {CliEnvironment.AdminSecret} to the secret itself (the option wins).",
        HelpName = "path",
    };

    /// <summary>
    /// The secrets in the file <paramref name="file"/> names, else in <paramref name="variable"/>; empty when neither is given.
    /// </summary>
    /// <exception cref="SettingRefusedException">The file cannot be read, or holds no secret.</exception>
    public static IReadOnlyList<string> Read(ParseResult parse, Option<string?> file, CliEnvironment environment, string variable, string setting)
    {
        var sources = $"{file.Name} or {variable}";
        if (parse.GetValue(file) is { Length: > 0 } path)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SettingRefusedException(setting, sources, $"could not read '{path}': {ex.Message}", ex);
            }
            return Lines(text) is { Count: > 0 } secrets
                ? secrets
                : throw new SettingRefusedException(setting, sources, $"'{path}' holds no secret; write one on the first line.");
        }
        return environment.Read(variable) is { } value ? Lines(value) : [];
    }

    private static List<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
