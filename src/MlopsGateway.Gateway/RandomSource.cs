namespace MlopsGateway.Gateway;

/// <summary>
/// Where the gateway's weighted picks (canary share, shadow sample) take their randomness: shared
/// and thread-safe in production, seeded in tests so that a split can be checked exactly.
/// </summary>
internal abstract class RandomSource
{
    /// <summary>A thread-safe source over <see cref="Random.Shared"/>.</summary>
    public static RandomSource Shared { get; } = new SharedSource();

    /// <summary>A source that repeats its sequence for a given <paramref name="seed"/>; thread-safe.</summary>
    public static RandomSource Seeded(int seed) => new SeededSource(seed);

    /// <summary>A number in [0, 1).</summary>
    public abstract double NextDouble();

    private sealed class SharedSource : RandomSource
    {
        public override double NextDouble() => Random.Shared.NextDouble();
    }

    private sealed class SeededSource(int seed) : RandomSource
    {
        private readonly Random _random = new(seed);
        private readonly Lock _lock = new();

        public override double NextDouble()
        {
            lock (_lock)
            {
                return _random.NextDouble();
            }
        }
    }
}
