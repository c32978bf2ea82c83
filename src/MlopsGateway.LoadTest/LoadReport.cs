namespace MlopsGateway.LoadTest;

/// <summary>Everything a run measured, ready for the terminal, JSON, markdown and charts.</summary>
public sealed record LoadReport
{
    /// <summary>The server called, e.g. <c>http://127.0.0.1:5000</c>.</summary>
    public required string Target { get; init; }

    /// <summary>The model called.</summary>
    public required string Model { get; init; }

    /// <summary>The version asked for; empty when the server chose.</summary>
    public string Version { get; init; } = "";

    /// <summary>What each request carried, e.g. <c>features FP32 [1, 5] raw</c>.</summary>
    public string Inputs { get; init; } = "";

    /// <summary>The client that sent the load.</summary>
    public LoadClientKind Client { get; init; }

    /// <summary>Closed or open loop.</summary>
    public required LoadMode Mode { get; init; }

    /// <summary>Open loop: how requests were spaced.</summary>
    public ArrivalProcess Arrival { get; init; }

    /// <summary>Seed of the generated inputs and arrivals.</summary>
    public int Seed { get; init; }

    /// <summary>Planned warm-up per level, in seconds.</summary>
    public double WarmupSeconds { get; init; }

    /// <summary>Planned measurement per level, in seconds.</summary>
    public double DurationSeconds { get; init; }

    /// <summary>Rows each request carried.</summary>
    public int RowsPerRequest { get; init; } = 1;

    /// <summary>When the run started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The worker metrics address scraped, if any.</summary>
    public string? MetricsUrl { get; init; }

    /// <summary>CPU seconds the load tool itself used; a busy client skews what it measures.</summary>
    public double ClientCpuSeconds { get; init; }

    /// <summary>Whether the run was stopped before every level finished.</summary>
    public bool Stopped { get; init; }

    /// <summary>One entry per measured level.</summary>
    public required IReadOnlyList<LevelResult> Levels { get; init; }

    /// <summary>Per-interval samples across the run, warm-ups included.</summary>
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }

    /// <summary>Every objective checked at every level; empty when none was given.</summary>
    public IReadOnlyList<SloOutcome> Slo { get; init; } = [];

    /// <summary>Whether every objective held.</summary>
    public bool SloMet => Slo.All(o => o.Met);
}
