namespace MlopsGateway.Monitoring.Quality;

/// <summary>What an evaluation looks back over, and how drift is judged in it.</summary>
public sealed record QualityWindows
{
    /// <summary>How far back the drift counts reach.</summary>
    public TimeSpan Drift { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back recorded predictions and their labels reach.</summary>
    public TimeSpan Accuracy { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The share of windows without drift that may still be flagged.</summary>
    public double FalseAlarmRate { get; init; } = 0.01;
}
