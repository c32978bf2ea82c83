using System.Net;
using System.Net.Http.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace MlopsGateway.Monitoring.Alerts;

/// <summary>
/// How every webhook of the product posts an event: JSON, a timeout per attempt inside a retry of
/// connection errors, timeouts, 408, 429 and 5xx with exponential backoff and jitter (<see cref="WebhookOptions"/>);
/// another 4xx is the receiver refusing the event, which no retry changes. Used by the alert webhook
/// (<see cref="WebhookSender"/>) and the rollouts' webhooks, which differ only in where events go and what they log.
/// </summary>
public sealed class WebhookPosting
{
    private static readonly ResiliencePropertyKey<string> s_eventId = new("mlops.webhook.id");
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    /// <summary>
    /// A posting with <paramref name="options"/>' retries, delays and timeouts run on <paramref name="time"/>;
    /// <paramref name="onRetry"/> hears of each retry: the event's id, the next attempt's number, its delay and what failed.
    /// </summary>
    public WebhookPosting(WebhookOptions options, TimeProvider time, Action<string, int, TimeSpan, Outcome<HttpResponseMessage>> onRetry)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onRetry);
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(Retryable),
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.FirstDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    onRetry(args.Context.Properties.GetValue(s_eventId, ""), args.AttemptNumber + 1, args.RetryDelay, args.Outcome);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>
    /// Posts <paramref name="body"/> as JSON to <paramref name="url"/>, retried as the class says; the last
    /// answer, which the caller disposes.
    /// </summary>
    /// <exception cref="HttpRequestException">No attempt reached the receiver.</exception>
    /// <exception cref="TimeoutRejectedException">The last attempt timed out.</exception>
    public async Task<HttpResponseMessage> PostAsync<T>(HttpClient http, Uri url, string id, T body, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(s_eventId, id);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (ctx, state) => await state.http.PostAsJsonAsync(state.url, state.body, ctx.CancellationToken).ConfigureAwait(false),
                context, (http, url, body)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static bool Retryable(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
}
