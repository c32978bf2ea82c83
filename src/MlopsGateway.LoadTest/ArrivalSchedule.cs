namespace MlopsGateway.LoadTest;

/// <summary>
/// The intended send times of an open loop, as offsets from its start. Deterministic for a given
/// rate, process and seed, so a run can be repeated and the schedule tested without a clock.
/// </summary>
public sealed class ArrivalSchedule
{
    private readonly double _rate;
    private readonly ArrivalProcess _arrival;
    private readonly Random _random;
    private long _index;
    private double _poissonSeconds;

    /// <param name="rate">Requests per second, above 0.</param>
    /// <param name="arrival">Even spacing, or exponential gaps.</param>
    /// <param name="seed">Seed of the exponential gaps.</param>
    public ArrivalSchedule(double rate, ArrivalProcess arrival, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        _rate = rate;
        _arrival = arrival;
        _random = new Random(seed);
    }

    /// <summary>The offset from the start at which the next request is due.</summary>
    public TimeSpan Next()
    {
        var index = _index++;
        if (_arrival == ArrivalProcess.Constant)
        {
            // From the index, not by adding gaps, so rounding never accumulates over a long run.
            return TimeSpan.FromSeconds(index / _rate);
        }
        var offset = _poissonSeconds;
        // Inverse transform of a uniform draw in (0, 1]: an exponential gap with mean 1 / rate.
        _poissonSeconds += -Math.Log(1.0 - _random.NextDouble()) / _rate;
        return TimeSpan.FromSeconds(offset);
    }
}
