using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Monitoring.Alerts;

public class WebhookSenderTests
{
    // No wait between attempts: what is checked is that a failed post is sent again, not how long Polly waits.
    private static readonly WebhookOptions s_noBackoff = new() { FirstDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };

    [Fact]
    public async Task Enqueue_AlertStartsThenEnds_ReceiverThatFailsFirstGetsBothEventsInOrder()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 2);
        using var logs = new LogCollector();
        using var loggers = LoggerFactory.Create(logs.Configure);
        using var sender = new WebhookSender(receiver.Url, new HttpClient(), s_noBackoff, loggers.CreateLogger<WebhookSender>());
        var settled = 0;
        var bothSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sender.Settled += (_, _) =>
        {
            if (Interlocked.Increment(ref settled) == 2)
            {
                bothSettled.TrySetResult();
            }
        };
        await sender.StartAsync(CancellationToken.None);
        var tracker = new AlertTracker(new AlertRules { StartAfter = 1, EndAfter = 1 });

        foreach (var report in new[] { AlertTrackerTests.Report(0, DriftStates.Drift), AlertTrackerTests.Report(1, DriftStates.Ok) })
        {
            foreach (var transition in tracker.Observe(report))
            {
                sender.Enqueue(transition.Event);
            }
        }
        await bothSettled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await sender.StopAsync(CancellationToken.None);

        Assert.Equal([AlertEvent.Started, AlertEvent.Ended], receiver.Accepted.Select(e => e.Status));
        Assert.All(receiver.Accepted, e => Assert.Equal(("drift", "propensity", "2", "visits_30d"), (e.Kind, e.Model, e.Version, e.Feature)));
        Assert.Equal(4, receiver.Posts);
        Assert.Equal(2, sender.Posted);
        Assert.Equal(2, logs.Entries.Count(e => e.Event.Name == "WebhookRetrying"));
    }

    [Fact]
    public async Task Enqueue_ReceiverRefusesWith4xx_NotRetried()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var logs = new LogCollector();
        using var loggers = LoggerFactory.Create(logs.Configure);
        var refused = new Uri(receiver.Url, "/elsewhere");
        using var sender = new WebhookSender(refused, new HttpClient(), s_noBackoff, loggers.CreateLogger<WebhookSender>());
        var settled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        sender.Settled += (_, delivered) => settled.TrySetResult(delivered);
        await sender.StartAsync(CancellationToken.None);

        sender.Enqueue(new AlertTracker(new AlertRules { StartAfter = 1 }).Observe(AlertTrackerTests.Report(0, DriftStates.Drift))[0].Event);
        var delivered = await settled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await sender.StopAsync(CancellationToken.None);

        Assert.False(delivered);

        Assert.Contains(logs.Entries, e => e.Event.Name == "WebhookFailed" && e.Message.Contains("HTTP 404"));
        Assert.DoesNotContain(logs.Entries, e => e.Event.Name == "WebhookRetrying");
        Assert.Equal(0, sender.Posted);
    }
}
