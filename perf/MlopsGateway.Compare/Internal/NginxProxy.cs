using System.Net;
using System.Net.Sockets;

namespace MlopsGateway.Compare.Internal;

/// <summary>
/// nginx from the distribution as the reference gRPC proxy: grpc_pass to one worker, HTTP/2 on a
/// loopback listener, upstream keep-alive, and keepalive_requests raised (by default nginx closes a
/// client's HTTP/2 connection after 1,000 requests, which would measure reconnects, not proxying).
/// </summary>
internal sealed class NginxProxy : IDisposable
{
    private readonly ChildProcess _process;
    private readonly string _folder;

    private NginxProxy(ChildProcess process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Address = $"http://127.0.0.1:{port}";
    }

    public string Address { get; }

    public int Pid => _process.Pid;

    /// <summary>The access log: one line per request nginx proxied.</summary>
    public string AccessLog => Path.Combine(_folder, "access.log");

    public static async Task<NginxProxy> StartAsync(string nginx, string folder, Uri worker)
    {
        Directory.CreateDirectory(folder);
        foreach (var temp in new[] { "body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            Directory.CreateDirectory(Path.Combine(folder, temp));
        }
        // nginx's workers drop to an unprivileged user when started as root; let them write their temp files.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);
            foreach (var dir in Directory.EnumerateDirectories(folder))
            {
                File.SetUnixFileMode(dir, (UnixFileMode)0b111_111_111);
            }
        }
        var port = FreePort();
        var config = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            worker_processes auto;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 4096; }
            http {
                log_format grpc '$status $request_time';
                access_log {{folder}}/access.log grpc;
                client_body_temp_path {{folder}}/body;
                proxy_temp_path {{folder}}/proxy;
                fastcgi_temp_path {{folder}}/fastcgi;
                uwsgi_temp_path {{folder}}/uwsgi;
                scgi_temp_path {{folder}}/scgi;
                client_max_body_size 64m;
                client_body_buffer_size 4m;
                upstream worker {
                    server {{worker.Host}}:{{worker.Port}};
                    keepalive 64;
                    keepalive_requests 1000000;
                    keepalive_timeout 300s;
                }
                server {
                    listen 127.0.0.1:{{port}} http2;
                    keepalive_requests 1000000;
                    keepalive_timeout 300s;
                    location / {
                        grpc_pass grpc://worker;
                        grpc_read_timeout 60s;
                        grpc_send_timeout 60s;
                    }
                }
            }
            """).ConfigureAwait(false);
        var process = await ChildProcess.StartAsync(nginx,
            ["-p", folder, "-c", config, "-e", Path.Combine(folder, "error.log"), "-g", "daemon off;"],
            Path.Combine(folder, "nginx.out"), null, TimeSpan.Zero).ConfigureAwait(false);
        var proxy = new NginxProxy(process, folder, port);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (process.HasExited)
            {
                break;
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return proxy;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
        proxy.Dispose();
        throw new InvalidOperationException($"nginx did not start; see {folder}/error.log and {folder}/nginx.out.");
    }

    /// <summary>Requests nginx has logged so far (it writes each line as the request ends; the log is not buffered).</summary>
    public long LoggedRequests() => File.Exists(AccessLog) ? File.ReadLines(AccessLog).LongCount() : 0;

    public void Dispose() => _process.Dispose();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
