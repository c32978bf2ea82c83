using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlopsGateway.Monitoring.Alerts;
using MlopsGateway.Registry.Rollouts;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace MlopsGateway.Gateway.Rollouts;

/// <summary>
/// Posts rollout decisions (<see cref="RolloutDecision"/>, JSON with the evidence) to each rollout's
/// own webhook, in order, from a bounded queue: <see cref="Enqueue"/> never waits, so the controller
/// never does. A failed post (no connection, a timeout, 408, 429, 5xx) is retried with exponential
/// backoff and jitter, as the alert webhook's (<see cref="WebhookSender"/>, whose settings it takes;
/// that sender is bound to one URL and one event type, each rollout names its own). URLs are never
/// logged: they often carry a token.
/// </summary>
internal sealed class RolloutWebhooks : BackgroundService
{
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly Channel<(Uri Url, RolloutDecision Decision)> _queue;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private static readonly ResiliencePropertyKey<string> s_eventId = new("mlops.rollout.id");
    private long _posted;

    public RolloutWebhooks(HttpClient http, WebhookOptions options, ILogger<RolloutWebhooks> logger, TimeProvider time)
    {
        _http = http;
        _logger = logger;
        _queue = Channel.CreateBounded<(Uri, RolloutDecision)>(
            new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => RolloutLog.WebhookDropped(_logger, dropped.Item2.Id));
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>().Handle<HttpRequestException>().Handle<TimeoutRejectedException>()
                    .HandleResult(r => r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500),
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.FirstDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    var why = args.Outcome.Exception is { } ex ? ex.GetType().Name : $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                    args.Outcome.Result?.Dispose();
                    RolloutLog.WebhookRetrying(_logger, args.Context.Properties.GetValue(s_eventId, ""), args.AttemptNumber + 1, args.RetryDelay, why);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
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
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(s_eventId, decision.Id);
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Http.PostAsJsonAsync(state.Url, state.Decision, ctx.CancellationToken).ConfigureAwait(false),
                context, (Http: _http, Url: url, Decision: decision)).ConfigureAwait(false);
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
            RolloutLog.WebhookFailed(_logger, decision.Id, ex.GetType().Name);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _http.Dispose();
    }
}
