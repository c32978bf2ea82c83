using System.CommandLine;
using MlopsGateway.Gateway;

namespace MlopsGateway.Cli.Commands;

/// <summary>The gateway's model-quality and call-telemetry flags, shared by <c>mlops gateway</c> and <c>mlops up</c> so their names and defaults agree.</summary>
internal sealed class QualityFlags
{
    public Option<DurationValue> Interval { get; } = TypedOptions.Duration("--monitor-interval",
        "How often the drift and accuracy of every served version are evaluated (the model-quality gauges on /metrics change this often).", "10s", "10s, 1m");

    public Option<DurationValue> DriftWindow { get; } = TypedOptions.Duration("--drift-window",
        "How far back each evaluation's drift counts reach.", "5m", "5m, 15m");

    public Option<DurationValue> AccuracyWindow { get; } = TypedOptions.Duration("--accuracy-window",
        "How far back recorded predictions and their labels reach (labels arrive late, so longer than --drift-window).", "1h", "1h, 1d");

    public Option<double> FalseAlarmRate { get; } = new Option<double>("--false-alarm-rate")
    {
        Description = "The share of windows without drift that may still be flagged: drift thresholds are calibrated to it for each window's row count.",
        DefaultValueFactory = _ => 0.01,
        HelpName = "rate",
    }.Within(1e-6, 0.49, "--false-alarm-rate must be above 0 and under 0.5, not {0}.");

    public Option<Uri?> Webhook { get; } = TypedOptions.HttpAddress("--alert-webhook",
        "Post a JSON event here when a drift or accuracy alert starts and when it ends (retried with backoff; with several gateways one posts each). Left out: alerts are only logged.",
        null, "https://hooks.example.com/mlops");

    public Option<double?> AccuracyBelow { get; } = new("--accuracy-alert-below")
    {
        Description = "Start an accuracy alert while the accuracy's 95% lower bound from labels is under this (0 to 1). Left out: no accuracy alerts.",
        HelpName = "accuracy",
    };

    public Option<DurationValue> TelemetryFlush { get; } = TypedOptions.Duration("--telemetry-flush-interval",
        "How often the per-version call counts (status, latency, shadow rows) are added to Redis, where rollouts judge them and the console charts them; counts Redis did not take are added by the next flush. Up to 10s keeps them in their 10-second buckets.",
        "5s", "1s, 10s");

    public Option[] All => [Interval, DriftWindow, AccuracyWindow, FalseAlarmRate, Webhook, AccuracyBelow, TelemetryFlush];

    /// <summary>Sets the gateway's quality options from the parsed flags (the gateway's validator checks them together).</summary>
    public void Apply(ParseResult parse, GatewayOptions options)
    {
        options.MonitorInterval = parse.GetValue(Interval).Value;
        options.DriftWindow = parse.GetValue(DriftWindow).Value;
        options.AccuracyWindow = parse.GetValue(AccuracyWindow).Value;
        options.FalseAlarmRate = parse.GetValue(FalseAlarmRate);
        options.AlertWebhook = parse.GetValue(Webhook)?.OriginalString;
        options.AccuracyAlertBelow = parse.GetValue(AccuracyBelow);
        options.TelemetryFlushInterval = parse.GetValue(TelemetryFlush).Value;
    }
}
