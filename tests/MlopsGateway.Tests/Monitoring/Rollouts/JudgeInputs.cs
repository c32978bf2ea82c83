using MlopsGateway.Monitoring;
using MlopsGateway.Registry.Telemetry;

namespace MlopsGateway.Tests.Monitoring.Rollouts;

/// <summary>Telemetry made from simulated calls, for the judge's tests.</summary>
internal static class JudgeInputs
{
    private static readonly DateTimeOffset s_from = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    /// <summary>The latency entry a call of <paramref name="seconds"/> falls in.</summary>
    public static int Bin(double seconds)
    {
        var bounds = LatencyBuckets.Seconds;
        for (var i = 0; i < bounds.Count; i++)
        {
            if (seconds <= bounds[i])
            {
                return i;
            }
        }
        return bounds.Count;
    }

    /// <summary>
    /// <paramref name="calls"/> calls of which every <paramref name="failEvery"/>-th fails UNAVAILABLE (0: none),
    /// answered in a log-normal time around <paramref name="medianSeconds"/> (σ 0.3), seeded.
    /// </summary>
    public static VersionTelemetry Calls(string version, int calls, int failEvery = 0, double medianSeconds = 0.002, int seed = 1,
        long shadowRows = 0, long differing = 0)
    {
        var random = new Random(seed);
        var latency = new long[VersionTelemetry.LatencyEntries];
        long ok = 0, failed = 0;
        for (var i = 1; i <= calls; i++)
        {
            if (failEvery > 0 && i % failEvery == 0)
            {
                failed++;
                continue;
            }
            ok++;
            latency[Bin(medianSeconds * Math.Exp(0.3 * Gaussian(random)))]++;
        }
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        if (failed > 0)
        {
            errors["UNAVAILABLE"] = failed;
        }
        return new VersionTelemetry("m", version, s_from, s_from.AddMinutes(1), ok, errors, latency, shadowRows, differing);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
