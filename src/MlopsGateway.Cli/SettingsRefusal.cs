using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace MlopsGateway.Cli;

/// <summary>
/// Turns settings a role cannot start with into words and <see cref="ExitCodes.Refused"/>, instead of an
/// unhandled exception and its stack trace: what a role's options validator refuses (say
/// <c>mlops worker --models</c> naming a folder that does not exist), a port already in use, a Redis that
/// cannot be reached. One failure is one line; several are listed under one. Each setting is named by
/// the option that sets it where there is one.
/// </summary>
internal sealed partial class SettingsRefusal(AsynchronousCommandLineAction inner) : AsynchronousCommandLineAction
{
    // Options properties as the validators name them, and the command-line options that set them.
    private static readonly Dictionary<string, string> s_options = new(StringComparer.Ordinal)
    {
        ["Workers"] = "--worker",
        ["MaxRequestBodySize"] = "--max-request-bytes",
        ["RetryBufferLimit"] = "--retry-buffer-bytes",
        ["JwtSigningKey"] = "--jwt-signing-key or " + CliEnvironment.JwtSigningKey,
        ["ShadowGatherWindow"] = "--shadow-gather",
        ["ShadowCpuLimit"] = "--shadow-cpu-limit",
        ["ModelRepository"] = "--models",
        ["Artifacts"] = "--artifacts",
        ["CacheFolder"] = "--cache",
        ["AdvertiseAddress"] = "--advertise",
        ["DrainDelay"] = "--drain-delay",
        ["WorkerCaPath"] = "--worker-ca",
        ["WorkerSecrets"] = Commands.SecretOptions.WorkerSources,
        ["WorkerSecret"] = Commands.SecretOptions.WorkerSources,
        ["AdminSecrets"] = Commands.SecretOptions.AdminSources,
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
        IReadOnlyList<string> failures;
        try
        {
            return await inner.InvokeAsync(parseResult, cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            failures = ex.Failures.Select(Describe).ToList();
        }
        catch (SettingRefusedException ex)
        {
            failures = [ex.Message];
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException)
        {
            failures = [PortInUse(parseResult, ex.Message)];
        }
        var error = parseResult.InvocationConfiguration.Error;
        var heading = $"mlops {parseResult.CommandResult.Command.Name}: not started; fix these settings:";
        if (failures.Count == 1)
        {
            await error.WriteLineAsync($"{heading} {failures[0]}").ConfigureAwait(false);
            return ExitCodes.Refused;
        }
        await error.WriteLineAsync(heading).ConfigureAwait(false);
        foreach (var failure in failures)
        {
            await error.WriteLineAsync("  " + failure).ConfigureAwait(false);
        }
        return ExitCodes.Refused;
    }

    /// <summary>Names the port options of the command that were given the port Kestrel could not bind.</summary>
    private static string PortInUse(ParseResult parse, string message)
    {
        // Kestrel's message: "Failed to bind to address http://127.0.0.1:5000: address already in use."
        var match = BoundPort().Match(message);
        var port = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
        var options = parse.CommandResult.Command.Options.OfType<Option<int>>().Where(o => o.HelpName == "port").ToList();
        var named = options.Where(o => parse.GetValue(o) == port).Select(o => o.Name).ToList();
        var which = string.Join(" or ", named.Count > 0 ? named : options.Select(o => o.Name));
        return match.Success
            ? $"Port ({which}): {port} is in use by another process; give another port, or 0 for a free one."
            : $"Port ({which}): {message}";
    }

    [GeneratedRegex(@":(\d+): address already in use", RegexOptions.IgnoreCase)]
    private static partial Regex BoundPort();
}

/// <summary>A setting a role cannot start with, said in words for <see cref="SettingsRefusal"/> to print.</summary>
internal sealed class SettingRefusedException(string setting, string options, string problem, Exception? inner = null)
    : Exception($"{setting} ({options}): {problem}", inner);
