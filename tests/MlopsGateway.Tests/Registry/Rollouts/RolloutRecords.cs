using MlopsGateway.Registry.Rollouts;

namespace MlopsGateway.Tests.Registry.Rollouts;

/// <summary>Rollout records for the tests.</summary>
internal static class RolloutRecords
{
    /// <summary>A bucket boundary.</summary>
    public static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);

    /// <summary>A rollout of <c>m</c> version 2 against 1 just started: steps 5, 25, 50, 100, 10 s windows, threshold 2.</summary>
    public static RolloutRecord New(string model = "m", TimeSpan shadow = default, bool confirm = false, bool dryRun = false, string? webhook = null) =>
        new(model, "2", "1", [5, 25, 50, 100], 0, RolloutPhases.Starting, false, dryRun, confirm, false, TimeSpan.FromSeconds(10), shadow, 10, 2,
            new Dictionary<string, int>(), new RolloutCriteria(), [], "started", Start, "tests", Start, Start, Start, false, webhook, 0);
}
