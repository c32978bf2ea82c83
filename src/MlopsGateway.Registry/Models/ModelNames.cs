namespace MlopsGateway.Registry.Models;

/// <summary>
/// What a model name, a version and an alias may be. Model names and versions become folders of the
/// artefact store and parts of Redis keys, so they are held to letters, digits, <c>.</c>, <c>_</c> and
/// <c>-</c>; an alias starts with a letter, so that <c>@1</c> is never mistaken for a version.
/// </summary>
public static class ModelNames
{
    /// <summary>The longest name, version or alias accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>Why <paramref name="model"/> cannot be a model name, or null when it can.</summary>
    public static string? CheckModel(string? model) => Check("model name", model, mustStartWithLetter: false);

    /// <summary>Why <paramref name="version"/> cannot be a version, or null when it can.</summary>
    public static string? CheckVersion(string? version) => Check("version", version, mustStartWithLetter: false);

    /// <summary>Why <paramref name="alias"/> (without its <c>@</c>) cannot be an alias, or null when it can.</summary>
    public static string? CheckAlias(string? alias) => Check("alias", alias, mustStartWithLetter: true);

    /// <summary><paramref name="alias"/> without a leading <c>@</c>.</summary>
    public static string TrimAlias(string alias) => alias.StartsWith('@') ? alias[1..] : alias;

    private static string? Check(string what, string? value, bool mustStartWithLetter)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"the {what} is empty";
        }
        if (value.Length > MaxLength)
        {
            return $"the {what} is longer than {MaxLength} characters";
        }
        if (mustStartWithLetter ? !char.IsAsciiLetter(value[0]) : !char.IsAsciiLetterOrDigit(value[0]))
        {
            return $"the {what} '{value}' must start with a letter{(mustStartWithLetter ? "" : " or digit")}";
        }
        if (!value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') || value.Contains("..", StringComparison.Ordinal))
        {
            return $"the {what} '{value}' may hold only letters, digits, '.', '_' and '-' (no '..')";
        }
        return null;
    }
}
