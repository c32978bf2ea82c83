using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MlopsGateway.Gateway.Auth;

/// <summary>
/// Validates JWT bearer tokens with IdentityModel's <see cref="JsonWebTokenHandler"/> (signature with
/// the configured key, lifetime, optional issuer and audience) and turns the claims into a caller.
/// Whether tokens are accepted at all follows the bound options: no signing key, no tokens. The
/// handler is called directly rather than through ASP.NET Core authentication, whose middleware
/// would run on every request, a few percent of the gateway's CPU per call.
/// </summary>
internal sealed class JwtAuthenticator
{
    private static readonly char[] s_separators = [' ', ','];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters? _parameters;
    private readonly string _modelsClaim;

    public JwtAuthenticator(IOptions<GatewayOptions> options)
        : this(options.Value)
    {
    }

    public JwtAuthenticator(GatewayOptions options)
    {
        _modelsClaim = options.JwtModelsClaim;
        _parameters = options.JwtSigningKey is not { } key ? null : new TokenValidationParameters
        {
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)),
            ValidateIssuer = options.JwtIssuer is not null,
            ValidIssuer = options.JwtIssuer,
            ValidateAudience = options.JwtAudience is not null,
            ValidAudience = options.JwtAudience,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
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
        var result = await _handler.ValidateTokenAsync(token, _parameters).ConfigureAwait(false);
        if (!result.IsValid || result.ClaimsIdentity is not { } identity)
        {
            return (null, Refused(result.Exception switch
            {
                SecurityTokenExpiredException => "it has expired",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "its signature does not match the gateway's signing key",
                SecurityTokenInvalidIssuerException => "its issuer is not accepted",
                SecurityTokenInvalidAudienceException => "its audience is not accepted",
                SecurityTokenNotYetValidException => "it is not valid yet",
                _ => "it could not be validated",
            }));
        }
        return (ToCaller(identity), null);
    }

    private CallerIdentity ToCaller(ClaimsIdentity identity)
    {
        var subject = identity.FindFirst("sub")?.Value ?? identity.FindFirst("client_id")?.Value ?? "anonymous";
        var models = new List<string>();
        foreach (var claim in identity.FindAll(_modelsClaim))
        {
            models.AddRange(claim.Value.Split(s_separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        double? rate = double.TryParse(identity.FindFirst("rate")?.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : null;
        int? burst = int.TryParse(identity.FindFirst("burst")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b > 0 ? b : null;
        return new CallerIdentity("jwt:" + subject, $"token subject '{subject}'", models, rate, burst);
    }

    private static string Refused(string reason) =>
        $"The bearer token is refused: {reason}. Ask the token issuer for a new one, or send an API key as 'x-api-key'.";
}
