using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace MlopsGateway.Gateway.Internal;

/// <summary>
/// Validates JWT bearer tokens with ASP.NET Core's JwtBearer handler (signature with the configured
/// key, lifetime, optional issuer and audience) and turns the claims into a caller.
/// </summary>
internal sealed class JwtAuthenticator
{
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    private readonly GatewayOptions _options;

    public JwtAuthenticator(IOptions<GatewayOptions> options)
    {
        _options = options.Value;
    }

    /// <summary>Whether JWTs are accepted at all.</summary>
    public bool Enabled => _options.JwtSigningKey is not null;

    /// <summary>Whether <paramref name="token"/> has the shape of a JWT (three base64url parts) rather than an API key.</summary>
    public static bool LooksLikeJwt(ReadOnlySpan<char> token) => token.Count('.') == 2 && token.StartsWith("eyJ", StringComparison.Ordinal);

    /// <summary>The caller the request's bearer token names, or the reason it is refused.</summary>
    public async Task<(CallerIdentity? Caller, string? Error)> AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(Scheme).ConfigureAwait(false);
        if (!result.Succeeded || result.Principal is null)
        {
            var reason = result.Failure switch
            {
                SecurityTokenExpiredException => "it has expired",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "its signature does not match the gateway's signing key",
                SecurityTokenInvalidIssuerException => "its issuer is not accepted",
                SecurityTokenInvalidAudienceException => "its audience is not accepted",
                SecurityTokenNotYetValidException => "it is not valid yet",
                _ => "it could not be validated",
            };
            return (null, $"The bearer token is refused: {reason}. Ask the token issuer for a new one, or send an API key as 'x-api-key'.");
        }
        var principal = result.Principal;
        var subject = principal.FindFirst("sub")?.Value ?? principal.FindFirst("client_id")?.Value ?? "anonymous";
        var models = principal.FindAll(_options.JwtModelsClaim)
            .SelectMany(c => c.Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToArray();
        double? rate = double.TryParse(principal.FindFirst("rate")?.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0 ? r : null;
        int? burst = int.TryParse(principal.FindFirst("burst")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var b) && b > 0 ? b : null;
        return (new CallerIdentity("jwt:" + subject, $"token subject '{subject}'", models, rate, burst), null);
    }

    /// <summary>Registers the JwtBearer handler when a signing key is configured.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddAuthentication().AddJwtBearer(Scheme, _ => { });
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>>(sp => new ConfigureNamedOptions<JwtBearerOptions>(Scheme, jwt =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuerSigningKey = true,
                IssuerSigningKey = options.JwtSigningKey is null ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.JwtSigningKey)),
                ValidateIssuer = options.JwtIssuer is not null,
                ValidIssuer = options.JwtIssuer,
                ValidateAudience = options.JwtAudience is not null,
                ValidAudience = options.JwtAudience,
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
        }));
    }
}
