namespace MlopsGateway.LoadTest.Http2.Hpack;

/// <summary>A header block that cannot be decoded: the connection's compression state is lost (COMPRESSION_ERROR, RFC 7540 section 4.3).</summary>
internal sealed class HpackException(string message) : Exception(message);
