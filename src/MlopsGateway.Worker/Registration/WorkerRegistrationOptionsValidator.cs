using Microsoft.Extensions.Options;
using MlopsGateway.Registry;

namespace MlopsGateway.Worker.Registration;

internal sealed class WorkerRegistrationOptionsValidator : IValidateOptions<WorkerRegistrationOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerRegistrationOptions options)
    {
        var errors = new List<string>();
        if (options.AdvertiseAddress is { } address
            && (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"AdvertiseAddress: '{address}' is not an http:// or https:// address.");
        }
        if (options.WorkerId is { } id && (id.Length == 0 || id.Any(c => char.IsWhiteSpace(c) || c == ':')))
        {
            errors.Add($"WorkerId: '{id}' must be non-empty, without spaces or ':'.");
        }
        if (RedisKeys.NamespaceProblem(options.Namespace) is { } problem)
        {
            errors.Add($"Namespace: {problem}");
        }
        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            errors.Add($"HeartbeatInterval: must be positive, not {options.HeartbeatInterval}.");
        }
        if (options.Ttl <= options.HeartbeatInterval)
        {
            errors.Add($"Ttl: must be longer than HeartbeatInterval ({options.HeartbeatInterval}), not {options.Ttl}; three heartbeats is usual.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
