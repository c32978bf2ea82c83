using Microsoft.Extensions.Options;

namespace MlopsGateway.Gateway.Internal;

internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        if (options.Workers.Count == 0)
        {
            errors.Add("Workers: at least one worker address is required (--worker http://host:port).");
        }
        foreach (var worker in options.Workers)
        {
            if (!Uri.TryCreate(worker, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"Workers: '{worker}' is not an http:// or https:// address.");
            }
        }
        if (options.MaxRequestBodySize <= 0)
        {
            errors.Add($"MaxRequestBodySize: must be positive, not {options.MaxRequestBodySize}.");
        }
        if (options.KeyRefreshInterval <= TimeSpan.Zero)
        {
            errors.Add($"KeyRefreshInterval: must be positive, not {options.KeyRefreshInterval}.");
        }
        if (options.UpstreamActivityTimeout <= TimeSpan.Zero)
        {
            errors.Add($"UpstreamActivityTimeout: must be positive, not {options.UpstreamActivityTimeout}.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
