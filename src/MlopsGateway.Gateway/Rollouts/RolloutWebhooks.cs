using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Registry.Rollouts;
using Polly.Timeout;

namespace MlopsGateway.Gateway.Rollouts;

/// <summary>
/// Posts rollout decisions (<see cref="RolloutDecision"/>, JSON with the evidence) to each rollout's
/// own webhook, in order, from a bounded queue: <see cref="Enqueue"/> never waits, so the controller
/// never does. Each post is retried as the alert webhook's are (<see cref="WebhookPosting"/>, with the
/// same <see cref="WebhookOptions"/>); unlike that sender, bound to one URL, each rollout names its own.
/// URLs are never logged: they often carry a token.
/// </summary>
internal sealed class RolloutWebhooks : BackgroundService
{
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly Channel<(Uri Url, RolloutDecision Decision)> _queue;
    private readonly WebhookPosting _posting;
    private long _posted;

    public RolloutWebhooks(HttpClient http, WebhookOptions options, ILogger<RolloutWebhooks> logger, TimeProvider time)
    {
        _http = http;
        _logger = logger;
        _queue = Channel.CreateBounded<(Uri, RolloutDecision)>(
            new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => RolloutLog.WebhookDropped(_logger, dropped.Item2.Id));
        _posting = new WebhookPosting(options, time, (id, attempt, delay, outcome) =>
            RolloutLog.WebhookRetrying(_logger, id, attempt, delay, outcome.Exception is { } ex ? ex.GetType().Name : $"HTTP {(int)outcome.Result!.StatusCode}"));
    }

    /// <summary>Events the receivers took (2xx).</summary>
    public long Posted => Interlocked.Read(ref _posted);

    /// <summary>Queues <paramref name="decision"/> for <paramref name="url"/> (none when null); never waits.</summary>
    public void Enqueue(string? url, RolloutDecision decision)
    {
        if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            _queue.Writer.TryWrite((uri, decision));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (url, decision) in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await PostAsync(url, decision, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PostAsync(Uri url, RolloutDecision decision, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _posting.PostAsync(_http, url, decision.Id, decision, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _posted);
                RolloutLog.WebhookPosted(_logger, decision.Id, (int)response.StatusCode);
            }
            else
            {
                RolloutLog.WebhookFailed(_logger, decision.Id, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            // The type, not the message: an HTTP client's message can name the URL, which may hold a token.
            RolloutLog.WebhookFailed(_logger, decision.Id, ex.GetType().Name);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _http.Dispose();
    }
}
