namespace MlopsGateway.LoadTest;

/// <summary>What <see cref="LoadRunner.RunAsync"/> measured.</summary>
/// <param name="Levels">One entry per measured level.</param>
/// <param name="Timeline">Per-interval samples, warm-ups included.</param>
/// <param name="Stopped">Whether the run was cancelled before every level finished.</param>
public sealed record LoadRunResult(IReadOnlyList<LevelResult> Levels, IReadOnlyList<TimelinePoint> Timeline, bool Stopped);
