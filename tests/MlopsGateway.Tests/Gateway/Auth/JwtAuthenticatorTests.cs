using System.Security.Claims;
using System.Security.Cryptography;
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

    /// <summary>A token with the header and payload given, signed (HMAC with <paramref name="key"/>) as <paramref name="sign"/> says.</summary>
    private static string Handmade(string header, string payload, Func<byte[], byte[], byte[]>? sign, string key = Key)
    {
        var unsigned = Base64UrlEncoder.Encode(header) + "." + Base64UrlEncoder.Encode(payload);
        var signature = sign is null ? "" : Base64UrlEncoder.Encode(sign(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes(unsigned)));
        return unsigned + "." + signature;
    }

    private static string Payload(TimeSpan? lifetime = null, bool subject = true)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var exp = now + (long)(lifetime ?? TimeSpan.FromMinutes(5)).TotalSeconds;
        return $$"""{{{(subject ? "\"sub\":\"svc-a\"," : "")}}"models":"*","iat":{{now}},"nbf":{{now - 60}},"exp":{{exp}}}""";
    }

    [Fact]
    public async Task AuthenticateAsync_HandmadeHs256_Accepted()
    {
        // The handmade tokens below differ from this one in one thing each.
        var token = Handmade("""{"alg":"HS256","typ":"JWT"}""", Payload(), HMACSHA256.HashData);

        var (caller, error) = await Authenticator().AuthenticateAsync(token);

        Assert.Null(error);
        Assert.Equal("jwt:svc-a", caller!.Id);
    }

    [Theory]
    [InlineData("HS384", "it is signed with 'HS384', and this gateway accepts HS256 only")]
    [InlineData("HS512", "it is signed with 'HS512', and this gateway accepts HS256 only")]
    [InlineData("none", "it is signed with 'none', and this gateway accepts HS256 only")]
    [InlineData("RS256", "it is signed with 'RS256', and this gateway accepts HS256 only")]
    public async Task AuthenticateAsync_OtherAlgorithm_Refused(string alg, string reason)
    {
        Func<byte[], byte[], byte[]>? sign = alg switch
        {
            "HS384" => HMACSHA384.HashData,
            "HS512" => HMACSHA512.HashData,
            "none" => null,
            // Algorithm confusion: an asymmetric algorithm named, the signature an HMAC with the gateway's key.
            _ => HMACSHA256.HashData,
        };
        var token = Handmade($$"""{"alg":"{{alg}}","typ":"JWT"}""", Payload(), sign);

        var (caller, error) = await Authenticator().AuthenticateAsync(token);

        Assert.Null(caller);
        Assert.Equal($"The bearer token is refused: {reason}. Ask the token issuer for a new one, or send an API key as 'x-api-key'.", error);
    }

    [Fact]
    public async Task AuthenticateAsync_Hs256HeaderOverAnotherHmac_RefusedForTheSignature()
    {
        var token = Handmade("""{"alg":"HS256","typ":"JWT"}""", Payload(), HMACSHA512.HashData);

        var (caller, error) = await Authenticator().AuthenticateAsync(token);

        Assert.Null(caller);
        Assert.Contains("its signature does not match the gateway's signing key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_NoSubject_Refused()
    {
        var token = Handmade("""{"alg":"HS256","typ":"JWT"}""", Payload(subject: false), HMACSHA256.HashData);

        var (caller, error) = await Authenticator().AuthenticateAsync(token);

        Assert.Null(caller);
        Assert.Contains("it names no subject ('sub' claim)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthenticateAsync_LongerThanTheMaximumLifetime_Refused()
    {
        var longLived = Handmade("""{"alg":"HS256","typ":"JWT"}""", Payload(TimeSpan.FromHours(48)), HMACSHA256.HashData);
        var withinTheDay = Handmade("""{"alg":"HS256","typ":"JWT"}""", Payload(TimeSpan.FromHours(23)), HMACSHA256.HashData);
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var noIssuedAt = handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", "svc-a")]),
            Expires = DateTime.UtcNow.AddDays(30),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)), SecurityAlgorithms.HmacSha256),
        });

        var (_, fromIat) = await Authenticator().AuthenticateAsync(longLived);
        var (accepted, _) = await Authenticator().AuthenticateAsync(withinTheDay);
        var (_, fromNow) = await Authenticator().AuthenticateAsync(noIssuedAt);
        var (_, shorter) = await Authenticator(o => o.JwtMaxLifetime = TimeSpan.FromHours(1)).AuthenticateAsync(withinTheDay);

        Assert.Contains("it is valid for 48h from its 'iat', longer than this gateway's maximum of 24h", fromIat, StringComparison.Ordinal);
        Assert.NotNull(accepted);
        Assert.Contains("its 'exp' is more than this gateway's maximum lifetime of 24h away", fromNow, StringComparison.Ordinal);
        Assert.Contains("it is valid for 23h from its 'iat', longer than this gateway's maximum of 1h", shorter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eyJ.eyJ.x")]
    [InlineData("e25vdCBqc29u.e30.sig")]
    public async Task AuthenticateAsync_Malformed_RefusedSayingSo(string token)
    {
        var (caller, error) = await Authenticator().AuthenticateAsync(token);

        Assert.Null(caller);
        Assert.Contains("it is not a well-formed JWT", error, StringComparison.Ordinal);
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
