namespace MlopsGateway.Gateway;

// Model quality settings: drift and accuracy evaluation, their gauges and the alert webhook.
public sealed partial class GatewayOptions
{
    /// <summary>How often every served version's drift and accuracy are evaluated (the gauges change this often).</summary>
    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How far back the drift counts reach in each evaluation.</summary>
    public TimeSpan DriftWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back recorded predictions and their labels reach: labels arrive late, so longer than <see cref="DriftWindow"/>.</summary>
    public TimeSpan AccuracyWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The share of windows without drift that may still be flagged: drift thresholds are calibrated to it for each window's row count.</summary>
    public double FalseAlarmRate { get; set; } = 0.01;

    /// <summary>Where alert events are posted as JSON when a drift or accuracy alert starts and ends (http:// or https://); null: none posted (alerts are still logged).</summary>
    public string? AlertWebhook { get; set; }

    /// <summary>Accuracy alerts start while the accuracy's 95% lower bound is under this (0 to 1); null: no accuracy alerts.</summary>
    public double? AccuracyAlertBelow { get; set; }

    /// <summary>Whether the evaluation loop runs at all.</summary>
    public bool MonitorModels { get; set; } = true;
}
