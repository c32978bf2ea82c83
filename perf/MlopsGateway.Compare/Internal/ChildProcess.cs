using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MlopsGateway.Compare.Internal;

/// <summary>
/// A server started for the comparison: its output goes to a log file, start-up completes when a
/// line matches, and disposing kills it with its children.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource<Match> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Regex? _readyPattern;

    private ChildProcess(Process process, string logPath, Regex? readyPattern)
    {
        _process = process;
        _log = new StreamWriter(logPath) { AutoFlush = true };
        _readyPattern = readyPattern;
    }

    public int Pid => _process.Id;

    /// <summary>The line that showed the process was ready, when a pattern was given.</summary>
    public Match? Ready { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    /// <summary>Starts <paramref name="file"/> and, when <paramref name="ready"/> is given, waits for a line matching it.</summary>
    public static async Task<ChildProcess> StartAsync(
        string file, IEnumerable<string> arguments, string logPath, Regex? ready, TimeSpan timeout, Action<string>? echo = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.Start();
        var child = new ChildProcess(process, logPath, ready);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, echo);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, echo);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (ready is null)
        {
            return child;
        }
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(child._ready.Task, exited, Task.Delay(timeout)).ConfigureAwait(false);
        if (first != child._ready.Task)
        {
            var why = first == exited ? $"exited with code {process.ExitCode}" : $"did not start within {timeout.TotalSeconds:0} s";
            child.Dispose();
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', info.ArgumentList)} {why}; its output is in {logPath}.");
        }
        child.Ready = await child._ready.Task.ConfigureAwait(false);
        return child;
    }

    /// <summary>
    /// Starts a .NET app: <c>dotnet app.dll</c> for a built dll, the app itself for a published
    /// executable (the self-contained GPU bundle runs where no <c>dotnet</c> is installed).
    /// </summary>
    public static Task<ChildProcess> StartAppAsync(
        string app, IEnumerable<string> arguments, string logPath, Regex? ready, TimeSpan timeout, Action<string>? echo = null) =>
        app.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? StartAsync("dotnet", [app, .. arguments], logPath, ready, timeout, echo)
            : StartAsync(app, arguments, logPath, ready, timeout, echo);

    /// <summary>Waits for the process to end on its own.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Dispose();
            throw new TimeoutException($"{_process.StartInfo.FileName} ran longer than {timeout.TotalSeconds:0} s and was stopped.");
        }
        // Let the output readers catch up with the last lines.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        lock (_lines)
        {
            _log.Dispose();
        }
    }

    private void OnLine(string? line, Action<string>? echo)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Add(line);
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
        echo?.Invoke(line);
        if (_readyPattern?.Match(line) is { Success: true } match)
        {
            _ready.TrySetResult(match);
        }
    }
}
