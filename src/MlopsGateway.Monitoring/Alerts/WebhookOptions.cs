namespace MlopsGateway.Monitoring.Alerts;

/// <summary>How alert events are posted to the webhook.</summary>
public sealed record WebhookOptions
{
    /// <summary>Events waiting to be posted; past this the oldest waiting one is dropped (and logged), so a receiver that is down holds no more memory than this.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Attempts after the first, with exponential backoff and jitter.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>The first backoff; each later one doubles, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one post may take.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
