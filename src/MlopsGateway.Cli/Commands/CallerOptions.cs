using System.CommandLine;
using MlopsGateway.Registry;

namespace MlopsGateway.Cli.Commands;

/// <summary>What a caller may do, as API keys and tokens both state it: the models it may call and its quota.</summary>
internal static class CallerOptions
{
    /// <param name="who">"key" or "token", for the help.</param>
    public static Option<string[]> Models(string who) =>
        TypedOptions.Names("--models", $"Models the {who} may call (repeat or separate with commas). Left out: every model.");

    /// <param name="who">"key" or "token", for the help.</param>
    public static Option<string[]> Scopes(string who)
    {
        var option = TypedOptions.Names("--scopes", $"What the {who} may do (comma-separated): {string.Join(", ", KeyScopes.Known)} (admin implies every scope). Left out: infer.");
        option.DefaultValueFactory = _ => [.. KeyScopes.Default];
        option.Validators.Add(result =>
        {
            if (KeyScopes.Problem(result.GetValueOrDefault<string[]>()) is { } problem)
            {
                result.AddError($"--scopes: {problem}.");
            }
        });
        return option;
    }

    public static Option<double?> Rate() => new("--rate") { Description = "Quota: sustained requests per second (fractions allowed). Left out: no limit." };

    public static Option<int?> Burst() => new("--burst") { Description = "Quota: requests allowed at once above the rate (the bucket's size). Left out: the rate rounded up." };
}
