using System.Globalization;

namespace MlopsGateway.LoadTest;

/// <summary>
/// What a run does: the levels (concurrencies or rates) it steps through, and how long and how much
/// each may take. Every run is bounded: each level by <see cref="Warmup"/> + <see cref="Duration"/>
/// and <see cref="MaxRequestsPerLevel"/>, the open loop also by <see cref="MaxInFlight"/>.
/// </summary>
public sealed class LoadPlan
{
    /// <summary>The longest warm-up or measurement a level may have.</summary>
    public static readonly TimeSpan MaxPhase = TimeSpan.FromHours(1);

    /// <summary>The most levels one run may have.</summary>
    public const int MaxLevels = 32;

    /// <summary>Closed or open loop.</summary>
    public LoadMode Mode { get; set; } = LoadMode.Closed;

    /// <summary>Closed loop: the number of concurrent callers of each level.</summary>
    public IReadOnlyList<int> Concurrency { get; set; } = [1, 4, 16, 64];

    /// <summary>Open loop: requests per second of each level.</summary>
    public IReadOnlyList<double> Rates { get; set; } = [];

    /// <summary>Open loop: how requests are spaced.</summary>
    public ArrivalProcess Arrival { get; set; } = ArrivalProcess.Constant;

    /// <summary>Load before each measurement, not counted: connections, JIT and ONNX Runtime warm up.</summary>
    public TimeSpan Warmup { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long each level is measured.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most requests a level's measurement sends; it ends early when reached.</summary>
    public long MaxRequestsPerLevel { get; set; } = 1_000_000;

    /// <summary>Open loop: the most requests outstanding at once; later ones wait, and their wait counts as latency.</summary>
    public int MaxInFlight { get; set; } = 1000;

    /// <summary>How often progress is reported and the latency-over-time series sampled.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Seed of the Poisson arrivals (and, by convention, of generated inputs).</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Rows (batch entries) each request carries, to report rows per second.</summary>
    public int RowsPerRequest { get; set; } = 1;

    /// <summary>Number of levels in this plan.</summary>
    public int LevelCount => Mode == LoadMode.Closed ? Concurrency.Count : Rates.Count;

    /// <summary>The value of level <paramref name="index"/>: callers, or requests per second.</summary>
    public double LevelValue(int index) => Mode == LoadMode.Closed ? Concurrency[index] : Rates[index];

    /// <summary>A short name for level <paramref name="index"/>, e.g. <c>c=16</c> or <c>500/s poisson</c>.</summary>
    public string LevelLabel(int index) => Mode == LoadMode.Closed
        ? $"c={Concurrency[index]}"
        : $"{Rates[index].ToString("0.##", CultureInfo.InvariantCulture)}/s{(Arrival == ArrivalProcess.Poisson ? " poisson" : "")}";

    /// <summary>Every problem with the plan, empty when it can run.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (LevelCount == 0)
        {
            errors.Add(Mode == LoadMode.Closed ? "Give at least one concurrency level (--concurrency 1,4,16)." : "Give at least one rate (--rate 500).");
        }
        if (LevelCount > MaxLevels)
        {
            errors.Add($"At most {MaxLevels} levels per run; {LevelCount} were given.");
        }
        if (Mode == LoadMode.Closed && Concurrency.Any(c => c is < 1 or > 10_000))
        {
            errors.Add($"Concurrency must be between 1 and 10000: {string.Join(",", Concurrency)}.");
        }
        if (Mode == LoadMode.Open && Rates.Any(r => !(r > 0 && r <= 1_000_000)))
        {
            errors.Add($"Rates must be above 0 and at most 1000000 per second: {string.Join(",", Rates.Select(r => r.ToString(CultureInfo.InvariantCulture)))}.");
        }
        if (Duration <= TimeSpan.Zero || Duration > MaxPhase)
        {
            errors.Add($"Duration must be above 0 and at most {MaxPhase.TotalMinutes:0} minutes, not {Duration}.");
        }
        if (Warmup < TimeSpan.Zero || Warmup > MaxPhase)
        {
            errors.Add($"Warm-up must be between 0 and {MaxPhase.TotalMinutes:0} minutes, not {Warmup}.");
        }
        if (MaxRequestsPerLevel < 1)
        {
            errors.Add($"The request limit per level must be at least 1, not {MaxRequestsPerLevel}.");
        }
        if (MaxInFlight is < 1 or > 100_000)
        {
            errors.Add($"The in-flight limit must be between 1 and 100000, not {MaxInFlight}.");
        }
        if (SampleInterval < TimeSpan.FromMilliseconds(10))
        {
            errors.Add($"The sample interval must be at least 10 ms, not {SampleInterval}.");
        }
        if (RowsPerRequest < 1)
        {
            errors.Add($"Rows per request must be at least 1, not {RowsPerRequest}.");
        }
        return errors;
    }
}
