using System.Text;
using Microsoft.Extensions.Options;
using MlopsGateway.Contracts;
using MlopsGateway.Gateway.Forwarding;
using MlopsGateway.Gateway.Quality;
using MlopsGateway.Registry;

namespace MlopsGateway.Gateway;

/// <summary>Checks every feature's settings at start-up and lists every problem at once, each naming its setting.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    // YARP's failure-rate history stamps calls in 1 s buckets, so a failure may count up to 1 s past the window.
    private static readonly TimeSpan s_passiveHealthBucket = TimeSpan.FromSeconds(1);

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        Discovery(errors, options);
        Forwarding(errors, options);
        Shadow(errors, options);
        Auth(errors, options);
        Tls(errors, options);
        QualityOptionsCheck.Validate(errors, options);
        Rollouts.RolloutOptionsCheck.Validate(errors, options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Discovery(List<string> errors, GatewayOptions options)
    {
        if (RedisKeys.NamespaceProblem(options.Namespace) is { } problem)
        {
            errors.Add($"Namespace: {problem}");
        }
        foreach (var worker in options.Workers)
        {
            if (!Uri.TryCreate(worker, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"Workers: '{worker}' is not an http:// or https:// address.");
            }
        }
        Positive(errors, nameof(options.RefreshInterval), options.RefreshInterval);
        Positive(errors, nameof(options.CallerFlushInterval), options.CallerFlushInterval);
        Positive(errors, nameof(options.TelemetryFlushInterval), options.TelemetryFlushInterval);
        if (options.TelemetryMaxPendingBuckets < 1)
        {
            errors.Add($"TelemetryMaxPendingBuckets: must be at least 1, not {options.TelemetryMaxPendingBuckets}.");
        }
        Positive(errors, nameof(options.HealthCheckInterval), options.HealthCheckInterval);
        Positive(errors, nameof(options.HealthCheckTimeout), options.HealthCheckTimeout);
        Positive(errors, nameof(options.PassiveHealthWindow), options.PassiveHealthWindow);
        if (options.PassiveHealthMinimumCalls < 1)
        {
            errors.Add($"PassiveHealthMinimumCalls: must be at least 1, not {options.PassiveHealthMinimumCalls}.");
        }
        if (!(options.PassiveHealthFailureRate > 0 && options.PassiveHealthFailureRate <= 1))
        {
            errors.Add($"PassiveHealthFailureRate: must be above 0 and at most 1, not {options.PassiveHealthFailureRate}.");
        }
        if (options.PassiveHealthReactivationPeriod < options.PassiveHealthWindow + s_passiveHealthBucket)
        {
            errors.Add($"PassiveHealthReactivationPeriod: must be at least PassiveHealthWindow + 1 s ({options.PassiveHealthWindow + s_passiveHealthBucket}), "
                + $"not {options.PassiveHealthReactivationPeriod}; failures still in the window would take a returning worker out again.");
        }
        if (options.WorkerGracePeriod < TimeSpan.Zero)
        {
            errors.Add($"WorkerGracePeriod: must not be negative, not {options.WorkerGracePeriod}.");
        }
        if (options.WorkerHoldLimit < TimeSpan.Zero)
        {
            errors.Add($"WorkerHoldLimit: must not be negative, not {options.WorkerHoldLimit}.");
        }
    }

    private static void Forwarding(List<string> errors, GatewayOptions options)
    {
        if (options.MaxRequestBodySize <= 0)
        {
            errors.Add($"MaxRequestBodySize: must be positive, not {options.MaxRequestBodySize}.");
        }
        Positive(errors, nameof(options.UpstreamActivityTimeout), options.UpstreamActivityTimeout);
        if (options.RetryBufferLimit < 0)
        {
            errors.Add($"RetryBufferLimit: must not be negative, not {options.RetryBufferLimit}.");
        }
        if (options.WorkerSecret is { } secret && WorkerHeaders.SecretProblem(secret) is { } problem)
        {
            // The secret itself is never named.
            errors.Add($"WorkerSecret: {problem}.");
        }
    }

    private static void Shadow(List<string> errors, GatewayOptions options)
    {
        Positive(errors, nameof(options.ShadowTimeout), options.ShadowTimeout);
        if (options.ShadowGatherWindow < TimeSpan.Zero || options.ShadowGatherWindow >= options.ShadowTimeout)
        {
            errors.Add($"ShadowGatherWindow: must be at least 0 and shorter than ShadowTimeout ({options.ShadowTimeout}), not {options.ShadowGatherWindow}.");
        }
        if (!(options.ShadowCpuLimit > 0 && options.ShadowCpuLimit <= 100))
        {
            errors.Add($"ShadowCpuLimit: must be above 0 and at most 100 (percent; 100 never yields), not {options.ShadowCpuLimit}.");
        }
        if (options.MaxShadowConcurrency < 1)
        {
            errors.Add($"MaxShadowConcurrency: must be at least 1, not {options.MaxShadowConcurrency}.");
        }
        if (options.MaxShadowBytesInFlight < 1)
        {
            errors.Add($"MaxShadowBytesInFlight: must be at least 1, not {options.MaxShadowBytesInFlight}.");
        }
        if (options.MaxShadowMessageBytes < 1)
        {
            errors.Add($"MaxShadowMessageBytes: must be at least 1, not {options.MaxShadowMessageBytes}.");
        }
    }

    private static void Auth(List<string> errors, GatewayOptions options)
    {
        if (options.JwtSigningKey is { } key && Encoding.UTF8.GetByteCount(key) < 32)
        {
            // Never echo the key itself.
            errors.Add("JwtSigningKey: must be at least 32 bytes (HMAC-SHA256); the one given is shorter.");
        }
        if (string.IsNullOrWhiteSpace(options.JwtModelsClaim))
        {
            errors.Add("JwtModelsClaim: a claim name is required.");
        }
        Positive(errors, nameof(options.JwtMaxLifetime), options.JwtMaxLifetime);
    }

    private static void Tls(List<string> errors, GatewayOptions options)
    {
        if (options.WorkerCaPath is { } path)
        {
            try
            {
                WorkerTls.ReadAuthorities(path);
            }
            catch (InvalidOperationException ex)
            {
                errors.Add($"WorkerCaPath: {ex.Message}");
            }
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
