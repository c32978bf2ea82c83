namespace MlopsGateway.Registry.Artifacts;

/// <summary>An artefact store served over HTTP(S): <c>GET BASE/M/V/model.onnx</c>.</summary>
internal sealed class HttpArtifactSource : ArtifactSource
{
    private readonly Uri _base;
    private readonly HttpClient _http;
    private readonly bool _ownsClient;

    public HttpArtifactSource(Uri baseUri, HttpClient? http)
    {
        // A base without a trailing slash would lose its last segment when a relative path is resolved against it.
        _base = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _ownsClient = http is null;
        _http = http ?? new HttpClient();
    }

    public override string Location => _base.AbsoluteUri;

    protected override async Task<Stream> OpenReadAsync(string relativePath, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base, relativePath);
        var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new HttpRequestException($"GET {uri} answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsClient)
        {
            _http.Dispose();
        }
    }
}
