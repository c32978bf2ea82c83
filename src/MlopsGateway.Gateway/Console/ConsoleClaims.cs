using System.Security.Claims;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Console;

/// <summary>What the console's cookie says about who signed in: the key's id, name and scopes, and the session's id.</summary>
internal static class ConsoleClaims
{
    /// <summary>The cookie authentication scheme of the console.</summary>
    public const string Scheme = "MlopsConsole";

    /// <summary>The random id under which <see cref="ConsoleSessions"/> keeps the key's secret.</summary>
    public const string Session = "mlops:session";

    /// <summary>One claim per scope of the key.</summary>
    public const string Scope = "mlops:scope";

    /// <summary>A principal for key <paramref name="key"/> in session <paramref name="session"/>.</summary>
    public static ClaimsPrincipal For(ApiKeyRecord key, string session)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, key.Id),
            new(ClaimTypes.Name, key.Name),
            new(Session, session),
        };
        claims.AddRange(key.EffectiveScopes.Select(s => new Claim(Scope, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, ClaimTypes.Name, Scope));
    }

    /// <summary>The key id of <paramref name="user"/>.</summary>
    public static string KeyId(ClaimsPrincipal user) => user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "";

    /// <summary>The key name of <paramref name="user"/>.</summary>
    public static string KeyName(ClaimsPrincipal user) => user.Identity?.Name ?? "";

    /// <summary>The scopes of <paramref name="user"/>.</summary>
    public static IReadOnlyList<string> Scopes(ClaimsPrincipal user) => [.. user.FindAll(Scope).Select(c => c.Value)];

    /// <summary>Whether <paramref name="scopes"/> may open the console: <see cref="KeyScopes.Console"/> (read) or <see cref="KeyScopes.Admin"/>.</summary>
    public static bool MayRead(IReadOnlyList<string> scopes) => KeyScopes.Grants(scopes, KeyScopes.Console);

    /// <summary>Whether <paramref name="scopes"/> may change things (create and revoke keys): <see cref="KeyScopes.Admin"/> only.</summary>
    public static bool MayChange(IReadOnlyList<string> scopes) => scopes.Contains(KeyScopes.Admin, StringComparer.Ordinal);

    /// <summary>Who the audit trail records as making a change from the console.</summary>
    public static string Actor(ClaimsPrincipal user) => $"console:{KeyName(user)} ({KeyId(user)})";
}
