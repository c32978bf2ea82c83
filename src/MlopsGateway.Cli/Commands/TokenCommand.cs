using System.CommandLine;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MlopsGateway.Registry;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// <c>mlops token create</c>: a JWT the gateway accepts (HS256 with its signing key), for trying
/// tokens out and for services that mint their own. Production tokens usually come from an
/// identity provider configured with the same key and claims.
/// </summary>
internal static class TokenCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var token = new Command("token", "Mint JWT bearer tokens for a gateway started with --jwt-signing-key.");
        var signingKey = environment.FallBack(
            new Option<string?>("--signing-key") { Description = "The gateway's signing key, at least 32 characters." }, CliEnvironment.JwtSigningKey);
        var subject = new Option<string>("--subject") { Description = "Who calls: the 'sub' claim, sent to workers as x-mlops-key-id jwt:SUBJECT.", Required = true };
        var models = CallerOptions.Models("token");
        var scopes = CallerOptions.Scopes("token");
        var rate = CallerOptions.Rate();
        var burst = CallerOptions.Burst();
        var issuer = new Option<string?>("--issuer", "--jwt-issuer") { Description = "The 'iss' claim: the gateway's --jwt-issuer, when it was given one." };
        var audience = new Option<string?>("--audience", "--jwt-audience") { Description = "The 'aud' claim: the gateway's --jwt-audience, when it was given one." };
        var lifetime = ServerOptions.Duration("--ttl",
            "How long the token is valid. Gateways refuse tokens valid longer than their --jwt-max-lifetime (24h unless set).", "1h", "15m, 1h");
        lifetime.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<DurationValue>().Value <= TimeSpan.Zero)
            {
                result.AddError("--ttl must be longer than 0.");
            }
        });
        var create = new Command("create", "Print a signed token (and nothing else, so that TOKEN=$(mlops token create ...) works).")
        {
            signingKey, subject, models, scopes, rate, burst, lifetime, issuer, audience,
        };
        create.SetAction(async (parse, _) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var key = environment.ValueOf(parse, signingKey);
            if (key is null || Encoding.UTF8.GetByteCount(key) < 32)
            {
                await error.WriteLineAsync($"A signing key of at least 32 characters is needed: --signing-key KEY or {CliEnvironment.JwtSigningKey}, the same the gateway was given.")
                    .ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            try
            {
                ApiKeyStore.CheckQuota(parse.GetValue(rate), parse.GetValue(burst));
            }
            catch (ArgumentException ex)
            {
                await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            var ttl = parse.GetValue(lifetime).Value;
            var allowed = parse.GetValue(models)!;
            var claims = new List<Claim>
            {
                new("sub", parse.GetValue(subject)!),
                new("models", allowed.Length == 0 ? "*" : string.Join(' ', allowed)),
                // OAuth 2.0's claim: one string, scopes separated by spaces.
                new("scope", string.Join(' ', KeyScopes.Normalise(parse.GetValue(scopes)!))),
            };
            if (parse.GetValue(rate) is { } perSecond)
            {
                claims.Add(new Claim("rate", perSecond.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Double));
            }
            if (parse.GetValue(burst) is { } atOnce)
            {
                claims.Add(new Claim("burst", atOnce.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer));
            }
            var now = DateTime.UtcNow;
            var jwt = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Subject = new ClaimsIdentity(claims),
                IssuedAt = now,
                NotBefore = now,
                Expires = now + ttl,
                Issuer = parse.GetValue(issuer),
                Audience = parse.GetValue(audience),
                SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
            });
            await parse.InvocationConfiguration.Output.WriteLineAsync(jwt).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        token.Subcommands.Add(create);
        return token;
    }
}
