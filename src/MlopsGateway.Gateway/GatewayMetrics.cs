using System.Diagnostics;
using System.Diagnostics.Metrics;
using MlopsGateway.Gateway.Shadow;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Gateway;

/// <summary>The gateway's instruments, exported as <c>mlops_gateway_*</c> in Prometheus format.</summary>
internal sealed class GatewayMetrics : IDisposable
{
    /// <summary>The meter's name, registered with OpenTelemetry.</summary>
    public const string MeterName = "MlopsGateway.Gateway";

    // Probabilities differ by tiny float noise when equal, by tenths when a model really changed.
    private static readonly IReadOnlyList<double> s_diffBuckets = [0, 1e-6, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 1];

    private readonly Meter _meter;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _quotaRejections;
    private readonly Counter<long> _upstreamErrors;
    private readonly Counter<long> _upstreamRetries;
    private readonly Counter<long> _shadowSent;
    private readonly Counter<long> _shadowDropped;
    private readonly Histogram<double> _shadowDiff;
    private readonly Counter<long> _shadowRows;
    private readonly Counter<long> _redisRestores;
    private readonly UpDownCounter<long> _workersHeld;

    public GatewayMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _authFailures = _meter.CreateCounter<long>("mlops.gateway.auth.failures", "{request}",
            "Requests refused before forwarding, by gRPC status (UNAUTHENTICATED, PERMISSION_DENIED).");
        _requests = _meter.CreateCounter<long>("mlops.gateway.requests", "{request}",
            "Requests answered, by method, model, version, route decision (latest, explicit, stable, canary) and gRPC status code.");
        _duration = _meter.CreateHistogram("mlops.gateway.request.duration", "s",
            "Time from the request's arrival to the end of its answer, by method, model, route decision and gRPC status code.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets.Seconds });
        _quotaRejections = _meter.CreateCounter<long>("mlops.gateway.quota.rejections", "{request}",
            "Requests refused with RESOURCE_EXHAUSTED because the caller was over its quota, by model.");
        _upstreamErrors = _meter.CreateCounter<long>("mlops.gateway.upstream.errors", "{request}",
            "Forwarding failures, by model, YARP error and whether the request was retried on another worker.");
        _upstreamRetries = _meter.CreateCounter<long>("mlops.gateway.upstream.retries", "{request}",
            "Calls sent once more to another worker after the first failed, by model and reason (unsent: before any of it reached the worker; reset: the worker's connection or stream died with it in flight).");
        _shadowSent = _meter.CreateCounter<long>("mlops.gateway.shadow.sent", "{request}",
            "Copies sent to a shadow version, by model, primary version, shadow version and the shadow's gRPC status code.");
        _shadowDropped = _meter.CreateCounter<long>("mlops.gateway.shadow.dropped", "{request}",
            "Sampled copies not sent, by model and reason (busy, saturated, too_large, no_worker, primary_failed).");
        _shadowDiff = _meter.CreateHistogram("mlops.gateway.shadow.max_abs_diff", "1",
            "Largest absolute difference between a primary's and its shadow's output values, per compared request.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_diffBuckets });
        _shadowRows = _meter.CreateCounter<long>("mlops.gateway.shadow.top_class", "{row}",
            "Classifier rows compared between primary and shadow, by whether the top class agreed.");
        _redisRestores = _meter.CreateCounter<long>("mlops.gateway.redis.restores", "{restore}",
            "Times this gateway wrote its snapshot back into a Redis that had lost changes (restarted empty or from an older save).");
        _workersHeld = _meter.CreateUpDownCounter<long>("mlops.gateway.workers.held", "{worker}",
            "Workers in rotation whose Redis record is missing, kept while they answer their health checks (a Redis failover or restart lost or expired their records).");
    }

    /// <summary>The underlying meter.</summary>
    public Meter Meter => _meter;

    /// <summary>One more (<paramref name="change"/> 1) or one fewer (-1) worker kept without its record.</summary>
    public void WorkersHeld(int change) => _workersHeld.Add(change);

    /// <summary>Counts one write-back of the snapshot into a Redis that lost changes.</summary>
    public void RedisRestored() => _redisRestores.Add(1);

    /// <summary>Counts a request refused by authentication or authorisation.</summary>
    public void AuthFailed(string method, string status) =>
        _authFailures.Add(1, new TagList { { "method", method }, { "status", status } });

    /// <summary>Counts one answered request and records its duration.</summary>
    public void RequestCompleted(string method, string model, string version, string decision, string status, TimeSpan duration)
    {
        _requests.Add(1, new TagList { { "method", method }, { "model", model }, { "version", version }, { "decision", decision }, { "status", status } });
        _duration.Record(duration.TotalSeconds, new TagList { { "method", method }, { "model", model }, { "decision", decision }, { "status", status } });
    }

    /// <summary>Counts a request refused for quota.</summary>
    public void QuotaRejected(string model) => _quotaRejections.Add(1, new TagList { { "model", model } });

    /// <summary>Counts a forwarding failure.</summary>
    public void UpstreamError(string model, string error, bool retried) =>
        _upstreamErrors.Add(1, new TagList { { "model", model }, { "error", error }, { "retried", retried ? "true" : "false" } });

    /// <summary>Counts a call sent once more to another worker.</summary>
    public void UpstreamRetried(string model, string reason) =>
        _upstreamRetries.Add(1, new TagList { { "model", model }, { "reason", reason } });

    /// <summary>Counts a shadow copy answered (or failed) with <paramref name="status"/>.</summary>
    public void ShadowSent(string model, string primary, string shadow, string status) =>
        _shadowSent.Add(1, new TagList { { "model", model }, { "primary", primary }, { "shadow", shadow }, { "status", status } });

    /// <summary>Counts a sampled copy that was not sent.</summary>
    public void ShadowDropped(string model, string reason) => _shadowDropped.Add(1, new TagList { { "model", model }, { "reason", reason } });

    /// <summary>Records how far a shadow's outputs were from the primary's.</summary>
    internal void ShadowCompared(string model, string primary, string shadow, OutputComparison comparison)
    {
        var tags = new TagList { { "model", model }, { "primary", primary }, { "shadow", shadow } };
        _shadowDiff.Record(comparison.MaxAbsDiff, tags);
        if (comparison.Rows > 0)
        {
            var agreed = tags;
            agreed.Add("agreed", "true");
            _shadowRows.Add(comparison.RowsAgreeing, agreed);
            var disagreed = tags;
            disagreed.Add("agreed", "false");
            _shadowRows.Add(comparison.Rows - comparison.RowsAgreeing, disagreed);
        }
    }

    public void Dispose() => _meter.Dispose();
}
