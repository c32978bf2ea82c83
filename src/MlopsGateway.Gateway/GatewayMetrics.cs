using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MlopsGateway.Gateway;

/// <summary>The gateway's instruments, exported as <c>mlops_gateway_*</c> in Prometheus format.</summary>
public sealed class GatewayMetrics : IDisposable
{
    /// <summary>The meter's name, registered with OpenTelemetry.</summary>
    public const string MeterName = "MlopsGateway.Gateway";

    private readonly Meter _meter;
    private readonly Counter<long> _authFailures;

    public GatewayMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _authFailures = _meter.CreateCounter<long>("mlops.gateway.auth.failures", "{request}",
            "Requests refused before forwarding, by gRPC status (UNAUTHENTICATED, PERMISSION_DENIED).");
    }

    /// <summary>The underlying meter.</summary>
    public Meter Meter => _meter;

    /// <summary>Counts a request refused by authentication or authorisation.</summary>
    public void AuthFailed(string method, string status) =>
        _authFailures.Add(1, new TagList { { "method", method }, { "status", status } });

    public void Dispose() => _meter.Dispose();
}
