namespace MlopsGateway.Gateway;

// Model registry settings: what the gateway does with deprecated versions' callers.
public sealed partial class GatewayOptions
{
    /// <summary>
    /// How often the calls counted to deprecated versions (per model, version and key) are merged
    /// into the registry, where <c>mlops models callers</c> reads them.
    /// </summary>
    public TimeSpan CallerFlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}
