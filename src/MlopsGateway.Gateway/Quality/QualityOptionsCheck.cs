namespace MlopsGateway.Gateway.Quality;

/// <summary>The quality settings' part of <see cref="GatewayOptionsValidator"/>.</summary>
internal static class QualityOptionsCheck
{
    public static void Validate(List<string> errors, GatewayOptions options)
    {
        Positive(errors, nameof(options.MonitorInterval), options.MonitorInterval);
        Positive(errors, nameof(options.DriftWindow), options.DriftWindow);
        Positive(errors, nameof(options.AccuracyWindow), options.AccuracyWindow);
        if (options.DriftWindow > TimeSpan.Zero && options.MonitorInterval > options.DriftWindow)
        {
            errors.Add($"MonitorInterval: must not be longer than DriftWindow ({options.DriftWindow}), not {options.MonitorInterval}; rows between windows would never be scored.");
        }
        if (!(options.FalseAlarmRate > 0 && options.FalseAlarmRate < 0.5))
        {
            errors.Add($"FalseAlarmRate: must be above 0 and under 0.5, not {options.FalseAlarmRate}.");
        }
        if (options.AccuracyAlertBelow is { } below && !(below > 0 && below <= 1))
        {
            errors.Add($"AccuracyAlertBelow: must be above 0 and at most 1, not {below}.");
        }
        if (options.AlertWebhook is { } webhook
            && (!Uri.TryCreate(webhook, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            // Webhook URLs often carry a token in their path: only the scheme is named.
            errors.Add("AlertWebhook: must be an absolute http:// or https:// URL.");
        }
    }

    private static void Positive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{name}: must be positive, not {value}.");
        }
    }
}
