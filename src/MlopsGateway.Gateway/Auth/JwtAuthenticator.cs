using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Auth;

/// <summary>
/// Validates JWT bearer tokens with IdentityModel's <see cref="JsonWebTokenHandler"/> (HS256 only,
/// signature with the configured key, lifetime up to a maximum, issuer and audience when configured,
/// a subject required) and turns the claims into a caller. Whether tokens are accepted at all
/// follows the bound options: no signing key, no tokens. The handler is called directly rather than
/// through ASP.NET Core authentication, whose middleware would run on every request, a few percent
/// of the gateway's CPU per call.
/// </summary>
internal sealed class JwtAuthenticator
{
    /// <summary>The one algorithm accepted: the gateway holds one symmetric key, so any other is a forgery or a confusion.</summary>
    public const string Algorithm = SecurityAlgorithms.HmacSha256;

    private static readonly char[] s_separators = [' ', ','];
    private static readonly TimeSpan s_clockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters? _parameters;
    private readonly string _modelsClaim;
    private readonly TimeSpan _maxLifetime;

    public JwtAuthenticator(IOptions<GatewayOptions> options)
        : this(options.Value)
    {
    }

    public JwtAuthenticator(GatewayOptions options)
    {
        _modelsClaim = options.JwtModelsClaim;
        _maxLifetime = options.JwtMaxLifetime;
        _parameters = options.JwtSigningKey is not { } key ? null : new TokenValidationParameters
        {
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)),
            ValidAlgorithms = [Algorithm],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuer = options.JwtIssuer is not null,
            ValidIssuer = options.JwtIssuer,
            ValidateAudience = options.JwtAudience is not null,
            ValidAudience = options.JwtAudience,
            ValidateLifetime = true,
            ClockSkew = s_clockSkew,
        };
    }

    /// <summary>Whether JWTs are accepted at all.</summary>
    public bool Enabled => _parameters is not null;

    /// <summary>Whether <paramref name="token"/> has the shape of a JWT (three base64url parts) rather than an API key.</summary>
    public static bool LooksLikeJwt(ReadOnlySpan<char> token) => token.Count('.') == 2 && token.StartsWith("eyJ", StringComparison.Ordinal);

    /// <summary>The caller <paramref name="token"/> names, or the reason it is refused.</summary>
    public async Task<(CallerIdentity? Caller, string? Error)> AuthenticateAsync(string token)
    {
        if (_parameters is null)
        {
            return (null, Refused("JWTs are not accepted by this gateway"));
        }
        JsonWebToken parsed;
        try
        {
            parsed = new JsonWebToken(token);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or System.Text.Json.JsonException)
        {
            return (null, Refused("it is not a well-formed JWT"));
        }
        // Read before validating, for a clear answer: the handler reports a wrong algorithm as a signature that did not match.
        if (parsed.Alg != Algorithm)
        {
            return (null, Refused($"it is signed with '{Shown(parsed.Alg)}', and this gateway accepts {Algorithm} only"));
        }
        var result = await _handler.ValidateTokenAsync(parsed, _parameters).ConfigureAwait(false);
        if (!result.IsValid || result.ClaimsIdentity is not { } identity)
        {
            return (null, Refused(result.Exception switch
            {
                SecurityTokenExpiredException => "it has expired",
                SecurityTokenNoExpirationException => "it has no expiry ('exp' claim)",
                SecurityTokenInvalidAlgorithmException => $"it is not signed with {Algorithm}",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "its signature does not match the gateway's signing key",
                SecurityTokenInvalidIssuerException => "its issuer is not accepted",
                SecurityTokenInvalidAudienceException => "its audience is not accepted",
                SecurityTokenNotYetValidException => "it is not valid yet",
                _ => "it could not be validated",
            }));
        }
        if (LifetimeProblem(parsed) is { } lifetime)
        {
            return (null, Refused(lifetime));
        }
        var subject = identity.FindFirst("sub")?.Value;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return (null, Refused("it names no subject ('sub' claim), and every caller must be named"));
        }
        return (ToCaller(identity, subject), null);
    }

    private string? LifetimeProblem(JsonWebToken token)
    {
        var expires = token.ValidTo;
        if (token.IssuedAt != DateTime.MinValue && expires - token.IssuedAt > _maxLifetime)
        {
            return $"it is valid for {Duration(expires - token.IssuedAt)} from its 'iat', longer than this gateway's maximum of {Duration(_maxLifetime)}";
        }
        if (expires - DateTime.UtcNow > _maxLifetime + s_clockSkew)
        {
            return $"its 'exp' is more than this gateway's maximum lifetime of {Duration(_maxLifetime)} away";
        }
        return null;
    }

    private CallerIdentity ToCaller(ClaimsIdentity identity, string subject)
    {
        var models = new List<string>();
        foreach (var claim in identity.FindAll(_modelsClaim))
        {
            models.AddRange(claim.Value.Split(s_separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        double? rate = double.TryParse(identity.FindFirst("rate")?.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : null;
        int? burst = int.TryParse(identity.FindFirst("burst")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b > 0 ? b : null;
        return new CallerIdentity("jwt:" + subject, $"token subject '{subject}'", models, rate, burst, Scopes: ScopesOf(identity));
    }

    /// <summary>
    /// The token's <c>scope</c> claim (space-separated, as OAuth 2.0 writes it; repeated claims add):
    /// the names this gateway knows, the rest ignored, as a token may carry other services' scopes too.
    /// No claim: <see cref="KeyScopes.Default"/>, what every token could do before scopes.
    /// </summary>
    internal static IReadOnlyList<string> ScopesOf(ClaimsIdentity identity)
    {
        var claims = identity.FindAll(ScopeClaim).ToList();
        if (claims.Count == 0)
        {
            return KeyScopes.Default;
        }
        return KeyScopes.Normalise(claims.SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    /// <summary>The claim naming a token's scopes, OAuth 2.0's (RFC 8693 section 4.2).</summary>
    public const string ScopeClaim = "scope";

    /// <summary>A duration as people write it: <c>24h</c>, <c>90m</c>, <c>45s</c>.</summary>
    internal static string Duration(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)value.TotalHours}h"
        : value.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)value.TotalMinutes}m"
        : $"{Math.Round(value.TotalSeconds)}s";

    // The header is the caller's: a bounded piece of it only, in an answer that may reach a log.
    private static string Shown(string? alg) => alg is null ? "" : alg.Length <= 16 ? alg : alg[..16] + "…";

    private static string Refused(string reason) =>
        $"The bearer token is refused: {reason}. Ask the token issuer for a new one, or send an API key as 'x-api-key'.";
}
