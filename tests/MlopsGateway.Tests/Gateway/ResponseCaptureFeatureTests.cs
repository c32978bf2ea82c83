using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using MlopsGateway.Gateway.Shadow;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Tests.Gateway;

public class ResponseCaptureFeatureTests
{
    private const int Limit = 64;

    [Theory]
    [InlineData(false, 40)]
    [InlineData(true, 40)]
    [InlineData(false, 100)]
    public async Task CompleteAsync_PipelineStillRunning_CallerHasWholeAnswerAndTrailers(bool throughPipe, int length)
    {
        // The handler completes the response and then waits, as the gateway does while its pipeline
        // unwinds. The caller must have the whole answer and its trailers before the handler returns.
        var answer = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ResponseCaptureFeature? capture = null;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        await using var app = builder.Build();
        app.Run(async context =>
        {
            capture = new ResponseCaptureFeature(context.Features.GetRequiredFeature<IHttpResponseBodyFeature>(), Limit);
            context.Features.Set<IHttpResponseBodyFeature>(capture);
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            if (throughPipe)
            {
                await context.Response.BodyWriter.WriteAsync(answer);
            }
            else
            {
                await context.Response.Body.WriteAsync(answer);
            }
            await context.Response.CompleteAsync();
            await release.Task;
        });
        await app.StartAsync();
        try
        {
            using var client = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, ServerEndpoints.GrpcAddress(app) + "/x")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent([0, 0, 0, 0, 0]),
            };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead).WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(answer, await response.Content.ReadAsByteArrayAsync());
            Assert.Equal("0", Assert.Single(response.TrailingHeaders.GetValues("grpc-status")));
            Assert.True(capture!.Completed);
            if (length <= Limit)
            {
                Assert.Equal(answer, capture.Capture.Captured?.ToArray());
            }
            else
            {
                Assert.Null(capture.Capture.Captured);
            }
        }
        finally
        {
            release.TrySetResult();
        }
    }
}
