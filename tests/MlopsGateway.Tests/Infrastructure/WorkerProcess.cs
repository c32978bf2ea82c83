using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A worker in its own process (<c>mlops worker</c>, the build beside the tests), on loopback.
/// For checks of the worker's own metrics: in one process, several worker hosts share
/// OpenTelemetry's instrument streams, so another test's host can disturb the series. Disposing
/// it kills the process, as a crash would.
/// </summary>
public sealed partial class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private bool _disposed;

    private WorkerProcess(Process process, string address, string metricsAddress)
    {
        _process = process;
        Address = address;
        MetricsAddress = metricsAddress;
    }

    /// <summary>The gRPC address.</summary>
    public string Address { get; }

    /// <summary>The Prometheus page.</summary>
    public string MetricsAddress { get; }

    /// <summary>
    /// Starts a worker serving <paramref name="repository"/> on <paramref name="port"/> (0: a free one)
    /// and waits until it listens.
    /// </summary>
    public static Task<WorkerProcess> StartAsync(string repository, int port = 0) =>
        // Its callers are the tests' own load tool and gateways on loopback.
        StartAsync(repository, port, ["--insecure-no-worker-secret"]);

    /// <summary>
    /// As <see cref="StartAsync(string, int)"/>, with <paramref name="arguments"/> in place of the
    /// open access: a worker secret file, say, and <c>--redis</c> to register.
    /// </summary>
    public static async Task<WorkerProcess> StartAsync(string repository, int port, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "mlops.dll"), "worker", "--models", repository,
            "--port", port.ToString(CultureInfo.InvariantCulture), "--metrics-port", "0", "--bind", "127.0.0.1" }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info)!;
        var ready = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                ready.TrySetResult(match);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var first = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != ready.Task)
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw new InvalidOperationException("mlops worker did not start within 60 s.");
        }
        var line = await ready.Task;
        return new WorkerProcess(process, line.Groups[1].Value, line.Groups[2].Value);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"Worker listening on (\S+) \(metrics: (\S+)\)")]
    private static partial Regex ListeningLine();
}
