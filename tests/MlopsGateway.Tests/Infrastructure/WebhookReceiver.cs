using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using MlopsGateway.Monitoring.Alerts;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on loopback port 0 taking alert webhook posts: it answers the first
/// <see cref="FailFirst"/> posts 503 and keeps every event it accepted, in order.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<AlertEvent> _accepted = new();
    private readonly ConcurrentQueue<string> _bodies = new();
    private readonly List<(Func<IReadOnlyList<AlertEvent>, bool> Met, TaskCompletionSource Done)> _waiters = [];
    private int _posts;

    private WebhookReceiver(int failFirst)
    {
        FailFirst = failFirst;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/hook", async context =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            var alert = JsonSerializer.Deserialize<AlertEvent>(body);
            if (Interlocked.Increment(ref _posts) <= FailFirst)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            _bodies.Enqueue(body);
            _accepted.Enqueue(alert!);
            lock (_waiters)
            {
                foreach (var (met, done) in _waiters.Where(w => w.Met(Accepted)))
                {
                    done.TrySetResult();
                }
            }
        });
    }

    /// <summary>How many posts are answered 503 before the first is accepted.</summary>
    public int FailFirst { get; }

    /// <summary>Posts received, failed ones included.</summary>
    public int Posts => Volatile.Read(ref _posts);

    /// <summary>The events accepted, in order.</summary>
    public IReadOnlyList<AlertEvent> Accepted => _accepted.ToArray();

    /// <summary>The bodies accepted, in order, as posted (for events other than alerts).</summary>
    public IReadOnlyList<string> Bodies => _bodies.ToArray();

    /// <summary>The URL to post to.</summary>
    public Uri Url { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync(int failFirst = 0)
    {
        var receiver = new WebhookReceiver(failFirst);
        await receiver._app.StartAsync();
        receiver.Url = new Uri(receiver._app.Urls.First() + "/hook");
        return receiver;
    }

    /// <summary>Completes once <paramref name="count"/> events were accepted.</summary>
    public Task AcceptedAsync(int count) => AcceptedAsync(accepted => accepted.Count >= count);

    /// <summary>Completes once an accepted event is one <paramref name="wanted"/> takes.</summary>
    public Task AcceptedAsync(Func<AlertEvent, bool> wanted) => AcceptedAsync(accepted => accepted.Any(wanted));

    private Task AcceptedAsync(Func<IReadOnlyList<AlertEvent>, bool> met)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (met(Accepted))
            {
                return Task.CompletedTask;
            }
            _waiters.Add((met, done));
        }
        return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
