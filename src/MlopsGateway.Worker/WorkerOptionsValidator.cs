using Microsoft.Extensions.Options;
using MlopsGateway.Contracts;

namespace MlopsGateway.Worker;

internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ModelRepository))
        {
            errors.Add("ModelRepository: a model repository folder is required.");
        }
        else if (!Directory.Exists(options.ModelRepository))
        {
            errors.Add($"ModelRepository: the folder '{Path.GetFullPath(options.ModelRepository)}' does not exist.");
        }
        if (options.MaxReceiveMessageSize <= 0)
        {
            errors.Add($"MaxReceiveMessageSize: must be positive, not {options.MaxReceiveMessageSize}.");
        }
        if (options.MaxSendMessageSize <= 0)
        {
            errors.Add($"MaxSendMessageSize: must be positive, not {options.MaxSendMessageSize}.");
        }
        if (options.DrainDelay < TimeSpan.Zero)
        {
            errors.Add($"DrainDelay: must not be negative, not {options.DrainDelay}.");
        }
        Secrets(errors, nameof(options.WorkerSecrets), options.WorkerSecrets);
        Secrets(errors, nameof(options.AdminSecrets), options.AdminSecrets);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Refuses more than two secrets, or a weak one; never names a secret's value.</summary>
    private static void Secrets(List<string> errors, string setting, List<string> secrets)
    {
        if (secrets.Count > 2)
        {
            errors.Add($"{setting}: at most two at once (the current and the next), not {secrets.Count}.");
        }
        for (var i = 0; i < secrets.Count; i++)
        {
            if (WorkerHeaders.SecretProblem(secrets[i]) is { } problem)
            {
                errors.Add($"{setting}: secret {i + 1} {problem}.");
            }
        }
    }
}
