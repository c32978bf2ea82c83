using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Quality;
using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Monitoring.Quality;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Alerts;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Monitoring.Alerts;

namespace MlopsGateway.Tests.Gateway.Quality;

public class AlertDispatchTests
{
    [Fact]
    public async Task HandleAsync_TwoGatewaysSeeTheSameAlert_ReceiverGetsOneEventPerTransition()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var redis = await TestRedis.ConnectAsync();
        var keys = new RedisKeys("dispatch-" + Guid.NewGuid().ToString("N")[..8]);
        using var logs = new LogCollector();
        using var loggers = LoggerFactory.Create(logs.Configure);
        var gateways = Enumerable.Range(0, 2).Select(_ =>
        {
            var sender = new WebhookSender(receiver.Url, new HttpClient(), new WebhookOptions { FirstDelay = TimeSpan.Zero }, loggers.CreateLogger<WebhookSender>());
            return (Tracker: new AlertTracker(new AlertRules { StartAfter = 1, EndAfter = 1 }), Sender: sender,
                Dispatch: new AlertDispatch(new AlertClaimStore(redis, keys), sender, TimeSpan.FromMinutes(5), loggers.CreateLogger<AlertDispatch>()));
        }).ToArray();
        foreach (var gateway in gateways)
        {
            await gateway.Sender.StartAsync(CancellationToken.None);
        }

        // The second gateway sees each window a little later, as a gateway on another timer phase would.
        foreach (var report in new[] { AlertTrackerTests.Report(0, DriftStates.Drift), AlertTrackerTests.Report(1, DriftStates.Ok) })
        {
            foreach (var (tracker, _, dispatch) in gateways)
            {
                foreach (var transition in tracker.Observe(report))
                {
                    tracker.Adopt(transition.Key, await dispatch.HandleAsync(transition));
                }
            }
        }
        await receiver.AcceptedAsync(2);
        foreach (var gateway in gateways)
        {
            await gateway.Sender.StopAsync(CancellationToken.None);
            gateway.Sender.Dispose();
        }

        var accepted = receiver.Accepted;
        Assert.Equal([AlertEvent.Started, AlertEvent.Ended], accepted.Select(e => e.Status));
        Assert.Equal(accepted[0].Id.Replace(":started", ":ended"), accepted[1].Id);
        Assert.Equal(2, receiver.Posts);
        Assert.Equal(2, logs.Entries.Count(e => e.Event.Name == "AlertClaimedElsewhere"));
        Assert.Equal(2, logs.Entries.Count(e => e.Event.Name == "AlertStarted"));
    }
}
