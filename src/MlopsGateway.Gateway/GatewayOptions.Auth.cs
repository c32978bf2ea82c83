namespace MlopsGateway.Gateway;

// Auth settings: who may call, and how often.
public sealed partial class GatewayOptions
{
    /// <summary>
    /// Count per-key quotas in Redis, shared by every gateway (one Redis round trip per limited
    /// request), instead of in each gateway's memory. While Redis is down, requests are let through.
    /// </summary>
    public bool SharedQuotas { get; set; }

    /// <summary>
    /// Key that signs JWT bearer tokens (HMAC-SHA256, at least 32 bytes of UTF-8). Null: JWTs are not
    /// accepted, only API keys.
    /// </summary>
    public string? JwtSigningKey { get; set; }

    /// <summary>Issuer a JWT must name (<c>iss</c>); null accepts any.</summary>
    public string? JwtIssuer { get; set; }

    /// <summary>Audience a JWT must name (<c>aud</c>); null accepts any.</summary>
    public string? JwtAudience { get; set; }

    /// <summary>
    /// Longest a JWT may be valid: one whose <c>exp</c> lies further from its <c>iat</c>, or from now,
    /// is refused, so that a leaked long-lived token cannot be used for months.
    /// </summary>
    public TimeSpan JwtMaxLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Claim listing the models a JWT may call (space- or comma-separated, or repeated; <c>*</c> for all).</summary>
    public string JwtModelsClaim { get; set; } = "models";
}
