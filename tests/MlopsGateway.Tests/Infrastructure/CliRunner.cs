using System.CommandLine;
using MlopsGateway.Cli;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>Runs the real <c>mlops</c> command tree in process, capturing what it prints.</summary>
public static class CliRunner
{
    /// <summary>Runs with no environment variables of its own: what the tests pass is all the command sees.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        RunAsync(new Dictionary<string, string>(), args);

    /// <summary>Runs with <paramref name="environment"/> as the only environment variables the commands read.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var command = MlopsCommand.Create(new CliEnvironment(name => environment.GetValueOrDefault(name)));
        var exitCode = await command.Parse(args, MlopsCommand.Parsing).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
