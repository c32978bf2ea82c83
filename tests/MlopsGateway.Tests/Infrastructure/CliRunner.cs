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

    /// <summary>
    /// Starts a run that writes to <paramref name="output"/> as it goes (a <see cref="LockedWriter"/>, read while it runs)
    /// until <paramref name="cancellationToken"/> is cancelled, as Ctrl-C would: for commands that go on, such as <c>--watch</c>.
    /// </summary>
    public static Task<int> StartAsync(LockedWriter output, CancellationToken cancellationToken, params string[] args)
    {
        var command = MlopsCommand.Create(new CliEnvironment(_ => null));
        return command.Parse(args, MlopsCommand.Parsing).InvokeAsync(new InvocationConfiguration { Output = output, Error = output }, cancellationToken);
    }
}

/// <summary>A text writer that a test reads while a command writes to it from another thread.</summary>
public sealed class LockedWriter : TextWriter
{
    private readonly System.Text.StringBuilder _text = new();

    /// <inheritdoc/>
    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    /// <summary>What was written so far.</summary>
    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <inheritdoc/>
    public override void Write(char value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    /// <inheritdoc/>
    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }
}
