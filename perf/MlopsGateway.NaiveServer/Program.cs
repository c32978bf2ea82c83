using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlopsGateway.NaiveServer;

// Usage: NaiveServer --models DIR [--port 0] [--no-model]. Serves every <DIR>/<model>/<version>/model.onnx
// (the highest version of each) over the same protocol, with nothing but Grpc.AspNetCore.
var models = args.SkipWhile(a => a != "--models").Skip(1).FirstOrDefault() ?? "models";
var port = int.Parse(args.SkipWhile(a => a != "--port").Skip(1).FirstOrDefault() ?? "0", System.Globalization.CultureInfo.InvariantCulture);

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 64 * 1024 * 1024);
builder.Services.AddSingleton(new NaiveModels(models, args.Contains("--no-model")));
var app = builder.Build();
app.MapGrpcService<NaiveInferenceService>();
await app.StartAsync();
Console.WriteLine($"Naive server listening on {app.Urls.First()}");
await app.WaitForShutdownAsync();
