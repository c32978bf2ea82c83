using System.ComponentModel;
using System.Diagnostics;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>Runs a tool the tests need (kubectl, promtool) and reads what it wrote; a tool that cannot be started fails saying how to install it.</summary>
public static class ExternalTool
{
    /// <summary>What one run wrote and how it exited.</summary>
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <param name="tool">The tool's name or path.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="missing">The message when it cannot be started, given why: what to install, or which variable names it.</param>
    /// <param name="workingDirectory">Where it runs; null: here.</param>
    public static async Task<Result> RunAsync(string tool, IEnumerable<string> arguments, Func<string, string> missing, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(missing(ex.Message), ex);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return new Result(process.ExitCode, await output, await error);
        }
    }
}
