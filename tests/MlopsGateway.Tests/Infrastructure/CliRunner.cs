using System.CommandLine;
using MlopsGateway.Cli;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>Runs the real <c>mlops</c> command tree in process, capturing what it prints.</summary>
public static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await MlopsCommand.Create().Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
