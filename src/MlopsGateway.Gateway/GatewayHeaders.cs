namespace MlopsGateway.Gateway;

internal static class GatewayHeaders
{
    public const string ApiKey = "x-api-key";
    public const string Authorization = "authorization";
    public const string BearerPrefix = "Bearer ";
    public const string RoutingKey = "x-routing-key";

    /// <summary>Metadata the worker receives naming the caller (key id or <c>jwt:</c> subject), never the secret.</summary>
    public const string KeyIdHeader = "x-mlops-key-id";

    /// <summary>Metadata marking a call as shadow traffic, whose answers never reach a caller.</summary>
    public const string ShadowHeader = "x-mlops-shadow";

    /// <summary>On answers of a deprecated version: when it was deprecated (RFC 9745, <c>@</c> and unix seconds).</summary>
    public const string Deprecation = "deprecation";

    /// <summary>On answers of a deprecated version: when calls pinning it stop being served (RFC 8594, an HTTP-date).</summary>
    public const string Sunset = "sunset";

    /// <summary>On answers of a deprecated version: its replacement, <c>&lt;mlops://models/M/versions/V&gt;; rel="successor-version"</c>.</summary>
    public const string Link = "link";

    /// <summary>gRPC's retry pushback header: how long a client should wait before retrying.</summary>
    public const string RetryPushback = "grpc-retry-pushback-ms";
}
