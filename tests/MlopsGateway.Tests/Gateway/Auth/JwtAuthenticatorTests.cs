using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Auth;

namespace MlopsGateway.Tests.Gateway.Auth;

/// <summary>JWT bearer tokens to callers, and each reason a token is refused.</summary>
public class JwtAuthenticatorTests
{
    private const string Key = "a-signing-key-of-at-least-32-bytes!!";

    private static string Token(
        string key = Key, string? models = "propensity", DateTime? expires = null, string? issuer = null, string? audience = null,
        params (string Type, string Value)[] claims)
    {
        var identity = new ClaimsIdentity([new Claim("sub", "svc-a"), .. claims.Select(c => new Claim(c.Type, c.Value))]);
        if (models is not null)
        {
            identity.AddClaim(new Claim("models", models));
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = identity,
            Expires = expires ?? DateTime.UtcNow.AddMinutes(5),
            NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(5)).AddMinutes(-10),
            Issuer = issuer,
            Audience = audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    private static JwtAuthenticator Authenticator(Action<GatewayOptions>? configure = null)
    {
        var options = new GatewayOptions { JwtSigningKey = Key };
        configure?.Invoke(options);
        return new JwtAuthenticator(options);
    }

    [Fact]
    public async Task AuthenticateAsync_ValidToken_CallerFromTheClaims()
    {
        var token = Token(models: "propensity, churn", claims: [("models", "fraud"), ("rate", "2.5"), ("burst", "4")]);

        var (caller, error) = await Authenticator().AuthenticateAsync(token);

        Assert.Null(error);
        Assert.Equal("jwt:svc-a", caller!.Id);
        Assert.Equal("token subject 'svc-a'", caller.Label);
        Assert.Equal(["churn", "fraud", "propensity"], caller.Models.Order(StringComparer.Ordinal));
        Assert.Equal((2.5, 4), (caller.RatePerSecond, caller.Burst));
    }

    [Fact]
    public async Task AuthenticateAsync_NoQuotaClaims_NoQuota()
    {
        var (caller, _) = await Authenticator().AuthenticateAsync(Token(claims: [("rate", "-1")]));

        Assert.Null(caller!.RatePerSecond);
        Assert.Null(caller.Burst);
    }

    [Fact]
    public async Task AuthenticateAsync_Expired_RefusedSayingSo()
    {
        var (caller, error) = await Authenticator().AuthenticateAsync(Token(expires: DateTime.UtcNow.AddMinutes(-5)));

        Assert.Null(caller);
        Assert.Equal("The bearer token is refused: it has expired. Ask the token issuer for a new one, or send an API key as 'x-api-key'.", error);
    }

    [Fact]
    public async Task AuthenticateAsync_OtherKey_RefusedForTheSignature()
    {
        var (caller, error) = await Authenticator().AuthenticateAsync(Token(key: "another-signing-key-of-32-bytes-or-more"));

        Assert.Null(caller);
        Assert.Contains("its signature does not match the gateway's signing key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_WrongIssuerOrAudience_Refused()
    {
        var authenticator = Authenticator(o =>
        {
            o.JwtIssuer = "issuer-a";
            o.JwtAudience = "gateway";
        });

        var (_, issuer) = await authenticator.AuthenticateAsync(Token(issuer: "issuer-b", audience: "gateway"));
        var (_, audience) = await authenticator.AuthenticateAsync(Token(issuer: "issuer-a", audience: "other"));
        var (accepted, _) = await authenticator.AuthenticateAsync(Token(issuer: "issuer-a", audience: "gateway"));

        Assert.Contains("its issuer is not accepted", issuer, StringComparison.Ordinal);
        Assert.Contains("its audience is not accepted", audience, StringComparison.Ordinal);
        Assert.NotNull(accepted);
    }

    [Fact]
    public async Task AuthenticateAsync_NoSigningKey_Disabled()
    {
        var authenticator = new JwtAuthenticator(new GatewayOptions());

        var (caller, error) = await authenticator.AuthenticateAsync(Token());

        Assert.False(authenticator.Enabled);
        Assert.Null(caller);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("eyJhbGciOi.eyJzdWIi.sig", true)]
    [InlineData("mlops_abc.def", false)]
    [InlineData("eyJonly.two", false)]
    public void LooksLikeJwt_Shape(string token, bool expected)
    {
        Assert.Equal(expected, JwtAuthenticator.LooksLikeJwt(token));
    }
}
