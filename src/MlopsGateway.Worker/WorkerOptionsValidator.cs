using Microsoft.Extensions.Options;

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
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
