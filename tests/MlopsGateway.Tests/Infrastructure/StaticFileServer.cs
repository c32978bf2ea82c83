using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>A real Kestrel server on loopback port 0 serving a folder's files over HTTP/1.1, as an artefact store's web server would.</summary>
public sealed class StaticFileServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StaticFileServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Its base address, <c>http://127.0.0.1:PORT</c>.</summary>
    public string Address { get; }

    /// <summary>Starts serving <paramref name="folder"/>.</summary>
    public static async Task<StaticFileServer> StartAsync(string folder)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        // .onnx has no registered content type; a store serves it as bytes all the same.
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(folder), ServeUnknownFileTypes = true });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StaticFileServer(app, address);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
