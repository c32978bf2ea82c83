namespace MlopsGateway.Gateway.Internal;

/// <summary>One sampled request to copy to a shadow version, with the primary's answer to compare against.</summary>
/// <param name="Model">The model.</param>
/// <param name="Primary">The version that answered the caller.</param>
/// <param name="Shadow">The version to copy to.</param>
/// <param name="Request">The whole gRPC frame, naming <paramref name="Shadow"/>.</param>
/// <param name="PrimaryAnswer">The primary's gRPC response body (frame header included).</param>
/// <param name="CallerId">The caller's public id, passed to the shadow's worker as the primary's was.</param>
internal sealed record ShadowWork(string Model, string Primary, string Shadow, byte[] Request, byte[] PrimaryAnswer, string? CallerId);
