using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Monitoring.Quality;

namespace MlopsGateway.Tests.Monitoring.Alerts;

public class AlertTrackerTests
{
    private static readonly DateTimeOffset s_start = new(2026, 12, 2, 3, 0, 0, TimeSpan.Zero);

    internal static MonitorReport Report(int minute, string visits, string tenure = DriftStates.Ok, string model = DriftStates.Ok,
        double? accuracyLower = null, long labels = 100) =>
        new("propensity", "2", s_start.AddMinutes(minute), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1), model, 2000,
            [
                new DriftRow("visits_30d", "ks", visits == DriftStates.Drift ? 0.31 : 0.02, 0.05, 2000, visits),
                new DriftRow("visits_30d", "psi", visits == DriftStates.Drift ? 0.4 : 0.01, 0.03, 2000, visits, Primary: false),
                new DriftRow("tenure_months", "ks", 0.01, 0.05, 2000, tenure),
            ],
            accuracyLower is { } lower ? [new AccuracyFigure("accuracy", lower + 0.05, lower, lower + 0.1)] : [],
            1000, labels, TimeSpan.FromSeconds(30));

    [Fact]
    public void Observe_DriftForStartAfterWindows_StartsOnceThenEndsAfterEndAfterCalmWindows()
    {
        var tracker = new AlertTracker(new AlertRules { StartAfter = 2, EndAfter = 3 });
        string[] states = [DriftStates.Ok, DriftStates.Drift, DriftStates.Drift, DriftStates.Drift, DriftStates.Ok, DriftStates.Ok, DriftStates.Drift, DriftStates.Ok, DriftStates.Ok, DriftStates.Ok];

        var transitions = states.Select((s, minute) => (minute, tracker.Observe(Report(minute, s)))).ToArray();

        var seen = transitions.SelectMany(t => t.Item2.Select(x => (t.minute, x))).ToArray();
        Assert.Equal(2, seen.Length);
        var (startMinute, start) = seen[0];
        var (endMinute, end) = seen[1];
        Assert.Equal((2, AlertEvent.Started), (startMinute, start.Status));
        // The drift at minute 6 broke the calm streak: three calm windows in a row come only at 7-9.
        Assert.Equal((9, AlertEvent.Ended), (endMinute, end.Status));
        Assert.Equal("drift:propensity:2:visits_30d", start.Key);
        Assert.Equal(start.Episode, end.Episode);
        Assert.Equal(start.Episode + ":started", start.Event.Id);
        Assert.Equal(start.Episode + ":ended", end.Event.Id);
        Assert.Equal(("visits_30d", "ks", 0.31, 0.05), (start.Event.Feature, start.Event.Method, start.Event.Value, start.Event.Threshold));
        Assert.Contains("feature visits_30d drifted", start.Event.Summary);
        Assert.Equal(s_start.AddMinutes(2), end.Event.StartedAt);
        Assert.Empty(tracker.Firing);
    }

    [Fact]
    public void Observe_InsufficientRows_KeepsTheAlertAsItWas()
    {
        var tracker = new AlertTracker(new AlertRules { StartAfter = 1, EndAfter = 1 });
        Assert.Single(tracker.Observe(Report(0, DriftStates.Drift)));

        Assert.Empty(tracker.Observe(Report(1, DriftStates.Insufficient)));
        Assert.Single(tracker.Firing);
        Assert.Equal(AlertEvent.Ended, Assert.Single(tracker.Observe(Report(2, DriftStates.Ok))).Status);
    }

    [Fact]
    public void Observe_ModelDrift_AlertsForFeatureStar()
    {
        var tracker = new AlertTracker(new AlertRules { StartAfter = 1 });

        var transitions = tracker.Observe(Report(0, DriftStates.Drift, model: DriftStates.Drift));

        var model = Assert.Single(transitions, t => t.Event.Feature == AlertTracker.ModelSubject);
        Assert.Equal("drift:propensity:2:*", model.Key);
        Assert.Contains("drifted: visits_30d", model.Event.Summary);
    }

    [Fact]
    public void Observe_AccuracyLowerBoundUnderThreshold_AlertsWithEnoughLabelsOnly()
    {
        var tracker = new AlertTracker(new AlertRules { StartAfter = 1, EndAfter = 1, AccuracyBelow = 0.8, MinLabels = 30 });

        Assert.Empty(tracker.Observe(Report(0, DriftStates.Ok, accuracyLower: 0.5, labels: 10)));
        var start = Assert.Single(tracker.Observe(Report(1, DriftStates.Ok, accuracyLower: 0.6)));
        var end = Assert.Single(tracker.Observe(Report(2, DriftStates.Ok, accuracyLower: 0.85)));

        Assert.Equal((AlertEvent.AccuracyKind, "accuracy", 0.6, 0.8), (start.Event.Kind, start.Event.Metric, start.Event.Lower, start.Event.Threshold));
        Assert.Equal(AlertEvent.Ended, end.Status);
    }

    [Fact]
    public void Adopt_AnotherGatewaysEpisode_EndsUnderIt()
    {
        var tracker = new AlertTracker(new AlertRules { StartAfter = 1, EndAfter = 1 });
        var start = Assert.Single(tracker.Observe(Report(0, DriftStates.Drift)));

        tracker.Adopt(start.Key, start.Key + "@100");

        Assert.Equal(start.Key + "@100", Assert.Single(tracker.Observe(Report(1, DriftStates.Ok))).Episode);
    }
}
