using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// A worker that dies with every call in flight: a real Kestrel server on loopback port 0 (h2c, as
/// workers speak) that reads the whole ModelInfer request, optionally waits, then aborts the call's
/// stream (<c>HttpContext.Abort</c>: RST_STREAM) without a byte of answer. Its <c>/healthz</c>
/// answers, so gateways keep it in rotation until their passive health judges it.
/// </summary>
public sealed class AbortingWorker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeSpan _wait;
    private int _received;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _callIds = new();

    private AbortingWorker(TimeSpan wait)
    {
        _wait = wait;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        _app = builder.Build();
        _app.MapGet(MetricsServiceCollectionExtensions.HealthPath, () => "Healthy");
        _app.MapPost("/inference.GRPCInferenceService/ModelInfer", AbortAsync);
    }

    /// <summary>Its address, e.g. <c>http://127.0.0.1:40001</c>.</summary>
    public string Address => ServerEndpoints.GrpcAddress(_app);

    /// <summary>Calls whose whole request arrived (and which were then aborted).</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>The <c>x-mlops-call-id</c> of each call received, in order.</summary>
    public IReadOnlyCollection<string> CallIds => _callIds;

    /// <summary>Starts one; it waits <paramref name="wait"/> after reading each request before aborting it.</summary>
    public static async Task<AbortingWorker> StartAsync(TimeSpan wait = default)
    {
        var worker = new AbortingWorker(wait);
        await worker._app.StartAsync();
        return worker;
    }

    private async Task AbortAsync(HttpContext context)
    {
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        _callIds.Enqueue(context.Request.Headers["x-mlops-call-id"].ToString());
        Interlocked.Increment(ref _received);
        if (_wait > TimeSpan.Zero)
        {
            await Task.Delay(_wait);
        }
        context.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
