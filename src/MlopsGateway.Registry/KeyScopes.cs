namespace MlopsGateway.Registry;

/// <summary>
/// What a caller (an API key or a JWT) may do: the scopes a key record or a token's <c>scope</c>
/// claim names. <see cref="Admin"/> implies every other; a key stored before scopes existed has
/// <see cref="Infer"/> only, which is what every key could do then.
/// </summary>
public static class KeyScopes
{
    /// <summary>The Open Inference Protocol calls: ModelInfer, ModelMetadata, ModelReady and the server calls.</summary>
    public const string Infer = "infer";

    /// <summary>Ground truth: <c>mlops.v1.Feedback</c>, labels for recorded predictions.</summary>
    public const string Feedback = "feedback";

    /// <summary>The operator's console (read-only views of models and their health).</summary>
    public const string Console = "console";

    /// <summary>Every scope, present and future.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope name known, in the order listings show them.</summary>
    public static IReadOnlyList<string> Known { get; } = [Infer, Feedback, Console, Admin];

    /// <summary>The scopes of a key or token that names none: <see cref="Infer"/>.</summary>
    public static IReadOnlyList<string> Default { get; } = [Infer];

    /// <summary>Whether <paramref name="scopes"/> (null: <see cref="Default"/>) grant <paramref name="needed"/>.</summary>
    public static bool Grants(IReadOnlyList<string>? scopes, string needed)
    {
        foreach (var scope in scopes ?? Default)
        {
            if (scope == Admin || string.Equals(scope, needed, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Why <paramref name="scopes"/> cannot be a key's, or null when they can: at least one, each
    /// one of <see cref="Known"/>.
    /// </summary>
    public static string? Problem(IReadOnlyList<string>? scopes)
    {
        if (scopes is null || scopes.Count == 0)
        {
            return $"no scopes are named; give one or more of {string.Join(", ", Known)}";
        }
        foreach (var scope in scopes)
        {
            if (!Known.Contains(scope, StringComparer.Ordinal))
            {
                return $"'{Shown(scope)}' is not a scope; the scopes are {string.Join(", ", Known)}";
            }
        }
        return null;
    }

    /// <summary>The scopes of <paramref name="scopes"/> in <see cref="Known"/>'s order, each once.</summary>
    public static string[] Normalise(IEnumerable<string> scopes)
    {
        var given = scopes.ToHashSet(StringComparer.Ordinal);
        return [.. Known.Where(given.Contains)];
    }

    // A name read from a record or a token: a bounded piece of it only, as it may reach a log.
    private static string Shown(string? scope) => scope is null ? "" : scope.Length <= 24 ? scope : scope[..24] + "…";
}
