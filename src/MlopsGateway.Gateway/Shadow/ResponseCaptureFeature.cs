using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// The response body of a request sampled for shadowing: writes reach the server's own body feature
/// through a <see cref="ResponseCaptureStream"/>, which keeps a copy, and starting and completing the
/// response reach the server unchanged. The caller's answer, trailers included, therefore ends when
/// the forwarder completes it, as it does for a request not sampled.
/// </summary>
/// <remarks>
/// Assigning <c>HttpResponse.Body</c> instead would wrap the server's feature in a
/// <c>StreamResponseBodyFeature</c>: its <c>CompleteAsync</c> does not reach the server, so the answer
/// would end only once the whole pipeline has unwound, and it registers a completion callback per request.
/// </remarks>
internal sealed class ResponseCaptureFeature : IHttpResponseBodyFeature
{
    private readonly IHttpResponseBodyFeature _server;
    private PipeWriter? _writer;

    /// <param name="server">The body feature in place before, which sends the bytes.</param>
    /// <param name="limit">The most answer bytes kept; a longer answer passes through but is not kept.</param>
    public ResponseCaptureFeature(IHttpResponseBodyFeature server, int limit)
    {
        _server = server;
        Capture = new ResponseCaptureStream(server.Stream, limit);
    }

    /// <summary>The stream that passes the answer on and keeps its copy.</summary>
    public ResponseCaptureStream Capture { get; }

    /// <summary>Whether the response was completed through this feature: the caller's answer is out.</summary>
    public bool Completed { get; private set; }

    public Stream Stream => Capture;

    // Writes through the pipe are kept too; the forwarder itself writes to the stream.
    public PipeWriter Writer => _writer ??= PipeWriter.Create(Capture, new StreamPipeWriterOptions(leaveOpen: true));

    public void DisableBuffering() => _server.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _server.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A gRPC answer captured for shadow comparison is not sent from a file.");

    public async Task CompleteAsync()
    {
        if (_writer is not null)
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        await _server.CompleteAsync().ConfigureAwait(false);
        Completed = true;
    }
}
