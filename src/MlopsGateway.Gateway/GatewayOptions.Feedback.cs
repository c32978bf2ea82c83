namespace MlopsGateway.Gateway;

// Ground truth: labels for recorded predictions (mlops.v1.Feedback).
public sealed partial class GatewayOptions
{
    /// <summary>
    /// Labels each caller may send per second (a token bucket of as many at once), counted by this
    /// gateway: a poisoner with a key cannot flood the figures. Over it, RESOURCE_EXHAUSTED.
    /// </summary>
    public double FeedbackRate { get; set; } = 100;
}
