using System.CommandLine;
using System.CommandLine.Invocation;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Cli;

/// <summary>
/// Turns settings that a role's options validator refuses (say <c>mlops worker --models</c> naming a
/// folder that does not exist) into one line per failure and exit code 1, instead of an unhandled
/// exception and its stack trace. Each setting is named by the option that sets it where there is one.
/// </summary>
internal sealed class SettingsRefusal(AsynchronousCommandLineAction inner) : AsynchronousCommandLineAction
{
    // Options properties as the validators name them, and the command-line options that set them.
    private static readonly Dictionary<string, string> s_options = new(StringComparer.Ordinal)
    {
        ["Workers"] = "--worker",
        ["MaxRequestBodySize"] = "--max-request-bytes",
        ["JwtSigningKey"] = "--jwt-signing-key or MLOPS_JWT_SIGNING_KEY",
        ["ShadowGatherWindow"] = "--shadow-gather",
        ["ShadowCpuLimit"] = "--shadow-cpu-limit",
        ["ModelRepository"] = "--models",
        ["AdvertiseAddress"] = "--advertise",
        ["DrainDelay"] = "--drain-delay",
    };

    /// <summary>Wraps the action of <paramref name="command"/> and of every command beneath it.</summary>
    public static void Apply(Command command)
    {
        if (command.Action is AsynchronousCommandLineAction action and not SettingsRefusal)
        {
            command.Action = new SettingsRefusal(action);
        }
        foreach (var sub in command.Subcommands)
        {
            Apply(sub);
        }
    }

    /// <summary>A validator's failure with the setting's option named: <c>ModelRepository (--models): ...</c>.</summary>
    internal static string Describe(string failure)
    {
        var colon = failure.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && s_options.TryGetValue(failure[..colon], out var option)
            ? $"{failure[..colon]} ({option}){failure[colon..]}"
            : failure;
    }

    public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.InvokeAsync(parseResult, cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            var error = parseResult.InvocationConfiguration.Error;
            await error.WriteLineAsync($"mlops {parseResult.CommandResult.Command.Name}: not started; fix these settings:").ConfigureAwait(false);
            foreach (var failure in ex.Failures)
            {
                await error.WriteLineAsync("  " + Describe(failure)).ConfigureAwait(false);
            }
            return 1;
        }
    }
}
