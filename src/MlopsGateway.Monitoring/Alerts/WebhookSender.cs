using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace MlopsGateway.Monitoring.Alerts;

/// <summary>
/// Posts <see cref="AlertEvent"/>s as JSON to one URL, one at a time and in order, from a bounded
/// queue: <see cref="Enqueue"/> never waits, so neither the evaluation loop nor any prediction does.
/// Each post is retried as <see cref="WebhookPosting"/> says.
/// </summary>
public sealed class WebhookSender : BackgroundService
{
    private readonly Uri _url;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly Channel<AlertEvent> _queue;
    private readonly WebhookPosting _posting;

    /// <summary>A sender to <paramref name="url"/> through <paramref name="http"/> (disposed with the sender); delays and timeouts run on <paramref name="time"/>.</summary>
    public WebhookSender(Uri url, HttpClient http, WebhookOptions options, ILogger<WebhookSender> logger, TimeProvider? time = null)
    {
        _url = url;
        _http = http;
        _logger = logger;
        // One reader posts in order; a full queue drops its oldest event, as the newest say most about now.
        _queue = Channel.CreateBounded<AlertEvent>(
            new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => AlertLog.WebhookDropped(_logger, dropped.Id, options.QueueCapacity));
        _posting = new WebhookPosting(options, time ?? TimeProvider.System, (id, attempt, delay, outcome) =>
            AlertLog.WebhookRetrying(_logger, id, attempt, delay, outcome.Exception?.Message ?? $"HTTP {(int)outcome.Result!.StatusCode}"));
    }

    /// <summary>Events posted (the receiver answered 2xx), for tests and status.</summary>
    public long Posted => Interlocked.Read(ref _posted);

    private long _posted;

    /// <summary>Raised once per event when its posting is over: true when the receiver took it, false when it was given up on.</summary>
    public event Action<AlertEvent, bool>? Settled;

    /// <summary>Queues <paramref name="alert"/> to be posted; never waits.</summary>
    public void Enqueue(AlertEvent alert) => _queue.Writer.TryWrite(alert);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await PostAsync(alert, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PostAsync(AlertEvent alert, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _posting.PostAsync(_http, _url, alert.Id, alert, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref _posted);
                AlertLog.WebhookPosted(_logger, alert.Id, (int)response.StatusCode);
                Settled?.Invoke(alert, true);
            }
            else
            {
                AlertLog.WebhookFailed(_logger, alert.Id, $"HTTP {(int)response.StatusCode}", null);
                Settled?.Invoke(alert, false);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            AlertLog.WebhookFailed(_logger, alert.Id, ex.Message, ex);
            Settled?.Invoke(alert, false);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        base.Dispose();
        _http.Dispose();
    }
}
