namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// What a rollout record read from Redis must hold before a controller acts on it (as
/// <c>Internal/RecordChecks</c> does for routes and keys): anyone with access to Redis can write
/// one by hand, and a step out of range or a zero interval would throw or spin in the controller.
/// </summary>
public static class RolloutChecks
{
    /// <summary>The first problem of <paramref name="record"/> stored for <paramref name="model"/>; null when it is valid. Never echoes the webhook.</summary>
    public static string? Problem(string model, RolloutRecord record)
    {
        if (record.Model != model)
        {
            return record.Model is null ? "it names no model" : $"it names model '{record.Model}' but is stored under '{model}'";
        }
        if (string.IsNullOrEmpty(record.Canary) || string.IsNullOrEmpty(record.Stable) || record.Canary == record.Stable)
        {
            return "its canary and stable versions must be two different, non-empty versions";
        }
        if (StepsProblem(record.Steps) is { } steps)
        {
            return steps;
        }
        if (record.Step < 0 || record.Step >= record.Steps.Count)
        {
            return $"its step {record.Step} is not one of its {record.Steps.Count} steps";
        }
        if (record.Phase is null || !RolloutPhases.All.Contains(record.Phase))
        {
            return $"its phase '{record.Phase}' is not one of {string.Join(", ", RolloutPhases.All)}";
        }
        if (record.Interval < TimeSpan.FromSeconds(1) || record.ShadowDuration < TimeSpan.Zero)
        {
            return "its interval is under a second or its shadow duration is negative";
        }
        if (!(record.ShadowSample is >= 0 and <= 100))
        {
            return $"its shadow sample {record.ShadowSample} is not a percent (0 to 100)";
        }
        if (record.FailureThreshold < 1)
        {
            return $"its failure threshold {record.FailureThreshold} is under 1";
        }
        if (record.Criteria is null || record.Criteria.MinRequests < 1 || !(record.Criteria.Confidence is > 0.5 and < 1))
        {
            return "its criteria are missing, or need fewer than 1 request, or a confidence outside (0.5, 1)";
        }
        if (record.Failures is null || record.Failures.Values.Any(f => f < 0) || record.History is null || record.History.Any(h => h?.Verdicts is null))
        {
            return "its failure counts or history are missing or negative";
        }
        if (record.Webhook is not null && WebhookProblem(record.Webhook) is not null)
        {
            return "its webhook is not an absolute http:// or https:// URL";
        }
        return record.Reason is null || record.StartedBy is null || record.Fence < 0 ? "its reason, starter or fence is missing" : null;
    }

    /// <summary>Why <paramref name="steps"/> cannot be a rollout's: each in (0, 100], rising, at least one under 100; null when they can.</summary>
    public static string? StepsProblem(IReadOnlyList<double>? steps)
    {
        if (steps is null || steps.Count == 0)
        {
            return "it has no steps";
        }
        for (var i = 0; i < steps.Count; i++)
        {
            if (!(steps[i] is > 0 and <= 100) || (i > 0 && steps[i] <= steps[i - 1]))
            {
                return "its steps must be rising percents above 0 and at most 100, e.g. 5,25,50,100";
            }
        }
        return steps[0] >= 100 ? "its steps need a weight under 100 to judge the canary against stable at (100 alone is the promotion)" : null;
    }

    /// <summary>The start of the first telemetry bucket at or after <paramref name="at"/>: where a judged window may start.</summary>
    public static DateTimeOffset AlignUp(DateTimeOffset at)
    {
        var bucket = Telemetry.TelemetryStore.BucketLength.Ticks;
        var ticks = at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + ((ticks + bucket - 1) / bucket * bucket), TimeSpan.Zero);
    }

    /// <summary>Why <paramref name="url"/> cannot be a webhook; null when it can. Never echoes the URL (it may carry a token).</summary>
    public static string? WebhookProblem(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? null
            : "the webhook must be an absolute http:// or https:// URL";
}
