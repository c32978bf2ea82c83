using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using MlopsGateway.Monitoring;
using MlopsGateway.Monitoring.Tracing;

namespace MlopsGateway.Tests.Tracing;

/// <summary>
/// Tracing is on exactly when an OTLP endpoint is configured: then spans reach a real OTLP/HTTP
/// receiver, and hosts in one process share one provider. (One class: the provider is process-wide,
/// and xUnit runs a class's tests one at a time.)
/// </summary>
public sealed class TracingLeaseTests
{
    [Theory]
    [InlineData(null, null, null, false)]
    [InlineData("http://collector:4318", null, null, true)]
    [InlineData(null, "http://collector:4318/v1/traces", null, true)]
    [InlineData("http://collector:4318", null, "none", false)]
    public void ExportConfigured_FollowsTheStandardVariables(string? endpoint, string? tracesEndpoint, string? exporter, bool expected)
    {
        var configuration = Configuration(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = tracesEndpoint,
            ["OTEL_TRACES_EXPORTER"] = exporter,
        });

        Assert.Equal(expected, TracingSettings.ExportConfigured(configuration));
    }

    [Fact]
    public async Task StartAsync_NoEndpoint_BuildsNoProvider()
    {
        var lease = new TracingLease(Configuration([]));

        await lease.StartAsync(CancellationToken.None);

        Assert.False(TracingLease.Active);
        await lease.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task StartAsync_WithEndpoint_ExportsSpansToItOverOtlp()
    {
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var collector = await StartCollectorAsync(received);
        var configuration = Configuration(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Urls.Single(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "tracing-lease-test",
        });
        // Two hosts of one process, as in 'mlops up'.
        var gateway = new TracingLease(configuration);
        var worker = new TracingLease(configuration);
        await gateway.StartAsync(CancellationToken.None);
        await worker.StartAsync(CancellationToken.None);
        using var source = new ActivitySource(TracingServiceCollectionExtensions.SourcePrefix + nameof(TracingLeaseTests));
        var span = source.StartActivity("lease-probe");
        Assert.NotNull(span);
        span.Stop();

        await gateway.StopAsync(CancellationToken.None);
        Assert.True(TracingLease.Active, "The worker still holds the provider.");
        await worker.StopAsync(CancellationToken.None);

        // The last stop flushed the span: protobuf carries strings as they are, so the names can be read in the bytes.
        Assert.False(TracingLease.Active);
        var body = System.Text.Encoding.UTF8.GetString(await received.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("lease-probe", body, StringComparison.Ordinal);
        Assert.Contains("tracing-lease-test", body, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    /// <summary>A real HTTP server on port 0 that takes OTLP/HTTP trace exports.</summary>
    private static async Task<WebApplication> StartCollectorAsync(TaskCompletionSource<byte[]> received)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.TrySetResult(body.ToArray());
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }
}
