using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A redis-server process of a test's own, on a free loopback port, that the test may stop and
/// start again (same port, same data folder: what it saved on stop is loaded back). Never the
/// Redis other tests share.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mlops-tests", "redis-" + Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<string> _output = new();
    // With TLS: the listener's settings, the port serving TLS only.
    private readonly string[]? _tls;
    private Process? _process;

    private RedisProcess(int port, string[]? tls = null)
    {
        Port = port;
        _tls = tls;
        Directory.CreateDirectory(_folder);
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server (Debian's package; .ci/run installs it).</summary>
    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess(FreePort());
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>
    /// Starts redis-server serving TLS only on <see cref="Port"/>, with the server certificate of
    /// <paramref name="certificates"/>; clients need no certificate of their own. Fails, saying so,
    /// when this redis-server was built without TLS.
    /// </summary>
    public static async Task<RedisProcess> StartTlsAsync(TestCertificates certificates)
    {
        var port = FreePort();
        var redis = new RedisProcess(port,
        [
            "--port", "0", "--tls-port", port.ToString(CultureInfo.InvariantCulture),
            "--tls-cert-file", certificates.CertificatePath, "--tls-key-file", certificates.KeyPath,
            "--tls-ca-cert-file", certificates.CaPath, "--tls-auth-clients", "no",
        ]);
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>A port free on loopback now (the OS picks it).</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, loading what it saved.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _folder },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _tls ?? ["--port", Port.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not installed; install Debian's redis-server (.ci/run does).", ex);
        }
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(20);
            }
            catch (SocketException ex) when (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException(
                    $"redis-server stopped at start{(_tls is null ? "" : " with TLS (it must be built with TLS, as Debian's is)")}: {string.Join(" | ", _output)}", ex);
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is not null && _output.Count < 50)
        {
            _output.Enqueue(line);
        }
    }

    /// <summary>Saves the data and stops the server (SHUTDOWN SAVE), as an operator's restart would.</summary>
    public Task StopAsync() => ShutDownAsync("save");

    /// <summary>
    /// Stops the server without saving (SHUTDOWN NOSAVE), as a crash of a Redis without persistence
    /// does: <see cref="StartAgainAsync"/> then starts it empty.
    /// </summary>
    /// <param name="keepingLastSave">
    /// Keep what <see cref="SaveAsync"/> wrote: the server then starts again from that older save, as
    /// one with periodic snapshots does after a crash.
    /// </param>
    public async Task StopLosingDataAsync(bool keepingLastSave = false)
    {
        await ShutDownAsync("nosave");
        if (!keepingLastSave)
        {
            File.Delete(Path.Combine(_folder, "dump.rdb"));
        }
    }

    /// <summary>Writes the data to disk now (SAVE), for a later start to load.</summary>
    public Task SaveAsync() => CliAsync("save");

    private async Task ShutDownAsync(string save)
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }
        await CliAsync("shutdown", save);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
        _process = null;
    }

    private async Task CliAsync(params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(Port.ToString(CultureInfo.InvariantCulture));
        foreach (var part in command)
        {
            start.ArgumentList.Add(part);
        }
        using var cli = Process.Start(start)!;
        await cli.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // Only the process this test started.
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
