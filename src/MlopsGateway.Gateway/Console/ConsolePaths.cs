namespace MlopsGateway.Gateway.Console;

/// <summary>Where the console's pages, API and assets are.</summary>
internal static class ConsolePaths
{
    public const string Root = "/console";
    public const string SignIn = "/console/signin";
    public const string SignOut = "/console/signout";
    public const string Api = "/console/api";
    public const string Assets = "/console/assets";
    public const string Models = "/console/models";
    public const string Workers = "/console/workers";
    public const string Drift = "/console/drift";
    public const string Audit = "/console/audit";
    public const string Keys = "/console/keys";

    /// <summary>The playground's page (issue 25 item 3, under <c>Console/Playground/</c>).</summary>
    public const string Playground = "/console/playground";

    /// <summary>Whether <paramref name="returnUrl"/> is a console page to go back to after sign-in (never another site).</summary>
    public static bool IsLocalPage(string? returnUrl) =>
        returnUrl is { Length: > 0 }
        && returnUrl.StartsWith(Root + "/", StringComparison.Ordinal)
        && !returnUrl.StartsWith(SignIn, StringComparison.Ordinal)
        && !returnUrl.StartsWith(Api, StringComparison.Ordinal)
        && !returnUrl.Contains("//", StringComparison.Ordinal)
        && !returnUrl.Contains('\\', StringComparison.Ordinal)
        && returnUrl.All(c => c > ' ' && c < 0x7f);
}
