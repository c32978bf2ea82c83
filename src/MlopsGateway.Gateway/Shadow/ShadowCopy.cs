using Microsoft.AspNetCore.Http;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// One request that <see cref="ShadowCopier.Begin"/> chose to copy, while the primary's answer is
/// captured; <see cref="SendAsync"/> hands the copy over once that answer is the caller's.
/// </summary>
internal sealed class ShadowCopy
{
    private readonly ShadowDispatcher _dispatcher;
    private readonly GatewayMetrics _metrics;
    private readonly HttpContext _context;
    private readonly ResponseCaptureFeature _capture;
    private readonly string _model;

    internal ShadowCopy(ShadowDispatcher dispatcher, GatewayMetrics metrics, HttpContext context, ResponseCaptureFeature capture, string model, string version)
    {
        _dispatcher = dispatcher;
        _metrics = metrics;
        _context = context;
        _capture = capture;
        _model = model;
        Version = version;
    }

    /// <summary>The version the copy goes to.</summary>
    public string Version { get; }

    /// <summary>
    /// Queues the copy once the caller has the primary's whole answer, trailers included, or drops it
    /// (counted): <c>primary_failed</c> when the primary did not answer OK, <c>too_large</c> when the
    /// request's rest or the answer was not kept whole.
    /// </summary>
    /// <param name="primaryAnswered">Whether the primary answered with status OK.</param>
    /// <param name="primaryVersion">The version that answered the caller.</param>
    /// <param name="requestRest">The request's bytes after its model fields, as forwarded; null when not kept whole.</param>
    public async Task SendAsync(bool primaryAnswered, string primaryVersion, ReadOnlyMemory<byte>? requestRest)
    {
        if (!primaryAnswered)
        {
            _metrics.ShadowDropped(_model, "primary_failed");
            return;
        }
        if (!_capture.Completed)
        {
            // YARP completes every gRPC answer itself; should one not be, the copy still waits for it.
            await _context.Response.CompleteAsync().ConfigureAwait(false);
        }
        if (requestRest is not { } rest || _capture.Capture.Captured is not { } answer)
        {
            _metrics.ShadowDropped(_model, "too_large");
            return;
        }
        _dispatcher.Dispatch(_model, primaryVersion, Version, rest.Span, answer);
    }
}
