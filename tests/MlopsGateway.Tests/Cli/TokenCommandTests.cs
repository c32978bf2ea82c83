using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Auth;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

/// <summary><c>mlops token create</c>: tokens a gateway with the same settings accepts, and one with other settings refuses.</summary>
public sealed class TokenCommandTests
{
    private const string Key = "token-command-tests-signing-key-0123456789";

    [Fact]
    public async Task Create_IssuerAndAudience_WrittenAndEnforcedByTheGateway()
    {
        var (exit, output, _) = await CliRunner.RunAsync("token", "create", "--signing-key", Key, "--subject", "svc-a",
            "--issuer", "issuer-a", "--jwt-audience", "gateway-a", "--ttl", "15m");
        var token = output.Trim();

        JwtAuthenticator Gateway(string? issuer, string? audience) =>
            new(new GatewayOptions { JwtSigningKey = Key, JwtIssuer = issuer, JwtAudience = audience });
        var (accepted, _) = await Gateway("issuer-a", "gateway-a").AuthenticateAsync(token);
        var (_, otherIssuer) = await Gateway("issuer-b", "gateway-a").AuthenticateAsync(token);
        var (_, otherAudience) = await Gateway("issuer-a", "gateway-b").AuthenticateAsync(token);

        Assert.Equal(0, exit);
        Assert.Equal("jwt:svc-a", accepted?.Id);
        Assert.Contains("its issuer is not accepted", otherIssuer, StringComparison.Ordinal);
        Assert.Contains("its audience is not accepted", otherAudience, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], new[] { "infer" })]
    [InlineData(new[] { "--scopes", "feedback" }, new[] { "feedback" })]
    [InlineData(new[] { "--scopes", "admin,infer" }, new[] { "infer", "admin" })]
    public async Task Create_Scopes_CarriedInTheScopeClaimAndReadByTheGateway(string[] scopes, string[] expected)
    {
        var (exit, output, _) = await CliRunner.RunAsync(["token", "create", "--signing-key", Key, "--subject", "svc-a", .. scopes]);

        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(output.Trim());
        var (caller, _) = await new JwtAuthenticator(new GatewayOptions { JwtSigningKey = Key }).AuthenticateAsync(output.Trim());

        Assert.Equal(0, exit);
        Assert.Equal(string.Join(' ', expected), token.GetClaim("scope").Value);
        Assert.Equal(expected, caller!.Scopes);
    }

    [Fact]
    public async Task Create_TtlOverTheGatewaysMaximum_RefusedByTheGateway()
    {
        var (_, output, _) = await CliRunner.RunAsync("token", "create", "--signing-key", Key, "--subject", "svc-a", "--ttl", "30h");

        var (caller, error) = await new JwtAuthenticator(new GatewayOptions { JwtSigningKey = Key }).AuthenticateAsync(output.Trim());

        Assert.Null(caller);
        Assert.Contains("it is valid for 30h from its 'iat', longer than this gateway's maximum of 24h", error, StringComparison.Ordinal);
    }
}
