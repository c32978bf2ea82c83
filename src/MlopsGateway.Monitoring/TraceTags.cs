namespace MlopsGateway.Monitoring;

/// <summary>
/// The attributes the project's spans carry (README, "Traces"): a contract, as metric names are.
/// None ever holds a secret: a caller is named by its key's public id.
/// </summary>
public static class TraceTags
{
    /// <summary>The model called.</summary>
    public const string Model = "mlops.model";

    /// <summary>The version that ran (the gateway: the one routed to).</summary>
    public const string Version = "mlops.version";

    /// <summary>The version the caller asked for, empty for none.</summary>
    public const string RequestedVersion = "mlops.requested_version";

    /// <summary>How the gateway chose the version: <c>latest</c>, <c>explicit</c>, <c>stable</c> or <c>canary</c>.</summary>
    public const string RouteKind = "mlops.route";

    /// <summary>The version a shadow copy of the call was sampled for.</summary>
    public const string ShadowVersion = "mlops.shadow_version";

    /// <summary>The caller's public id: an API key's id, or <c>jwt:</c> and the token's subject.</summary>
    public const string KeyId = "mlops.key_id";

    /// <summary>The gRPC status the step answered with, by name (<c>OK</c>, <c>UNAUTHENTICATED</c>...).</summary>
    public const string Status = "rpc.grpc.status";

    /// <summary>The worker a call was forwarded to (its address).</summary>
    public const string Worker = "mlops.worker";

    /// <summary>How many forwarding attempts a call took (2 when it was retried on another worker).</summary>
    public const string Attempts = "mlops.attempts";

    /// <summary>The rows of this request.</summary>
    public const string Rows = "mlops.rows";

    /// <summary>The requests that shared the ONNX Runtime run.</summary>
    public const string BatchSize = "mlops.batch.size";

    /// <summary>The rows of the whole run.</summary>
    public const string BatchRows = "mlops.batch.rows";
}
