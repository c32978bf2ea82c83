namespace MlopsGateway.Contracts;

/// <summary>Metadata that workers and gateways exchange; gateways never pass it on to callers.</summary>
public static class WorkerHeaders
{
    /// <summary>
    /// Every header of the gateway's own begins so. A caller's headers of this prefix are dropped
    /// before the gateway forwards the call, so that a worker sees only what the gateway set.
    /// </summary>
    public const string Prefix = "x-mlops-";

    /// <summary>
    /// On a worker's answers while it drains before stopping: the gateway that forwarded the call
    /// sends it no more calls, and calls already on their way are still answered.
    /// </summary>
    public const string Draining = "x-mlops-draining";

    /// <summary>
    /// The secret gateways and workers share: a worker that has one refuses every inference call
    /// without it (UNAUTHENTICATED). Gateways send it on every call they forward and every shadow copy.
    /// </summary>
    public const string WorkerSecret = "x-mlops-worker-secret";

    /// <summary>
    /// The operator's secret: the repository rpcs (index, load, unload) need it, and it is accepted
    /// for every other rpc too. Sent by <c>mlops models</c>, never by a gateway.
    /// </summary>
    public const string AdminSecret = "x-mlops-admin-secret";

    /// <summary>
    /// One id per call a gateway forwards, the same bytes when it sends the call again to another
    /// worker: a worker records a request without an <c>id</c> under it, so a retried call keeps one prediction record.
    /// </summary>
    public const string CallId = "x-mlops-call-id";

    /// <summary>The fewest characters a worker or admin secret may have.</summary>
    public const int MinimumSecretLength = 32;

    /// <summary>
    /// Why <paramref name="secret"/> cannot be a worker or admin secret, or null when it can: at
    /// least <see cref="MinimumSecretLength"/> characters, printable ASCII without spaces (it travels as a header).
    /// The secret itself is never part of the answer.
    /// </summary>
    public static string? SecretProblem(string secret)
    {
        if (secret.Length < MinimumSecretLength)
        {
            return $"must be at least {MinimumSecretLength} characters, not {secret.Length}";
        }
        foreach (var c in secret)
        {
            if (c is < '!' or > '~')
            {
                return "must be printable ASCII without spaces (it is sent as a header)";
            }
        }
        return null;
    }
}
