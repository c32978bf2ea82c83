using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Registry;

public sealed partial class RedisKeys
{
    private TelemetryKeys? _telemetry;

    /// <summary>The keys of the gateways' per-version call telemetry in this namespace.</summary>
    public TelemetryKeys Telemetry => _telemetry ??= new TelemetryKeys(this);
}
