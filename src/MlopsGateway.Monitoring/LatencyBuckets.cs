namespace MlopsGateway.Monitoring;

/// <summary>
/// Histogram bucket boundaries for durations in seconds, shared by the worker and the gateway.
/// Six per decade (1, 1.5, 2, 3, 5, 7.5) from 50 µs to 30 s: neighbouring boundaries differ by at
/// most 1.67×, so a percentile interpolated inside a bucket (as Prometheus' histogram_quantile
/// does) lands close to the true one, from a tiny tabular model on loopback to a large image batch.
/// </summary>
public static class LatencyBuckets
{
    private static readonly double[] s_steps = [1, 1.5, 2, 3, 5, 7.5];

    /// <summary>The upper bounds, ascending, in seconds.</summary>
    public static IReadOnlyList<double> Seconds { get; } = Build(5e-5, 30);

    private static double[] Build(double lowest, double highest)
    {
        var bounds = new List<double>();
        for (var decade = -5; decade <= 2; decade++)
        {
            foreach (var step in s_steps)
            {
                // Rounded so the exported boundaries read 0.00015, not 0.00015000000000000001.
                var bound = Math.Round(step * Math.Pow(10, decade), 10);
                if (bound >= lowest && bound <= highest)
                {
                    bounds.Add(bound);
                }
            }
        }
        return bounds.ToArray();
    }
}
