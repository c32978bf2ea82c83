namespace MlopsGateway.LoadTest.Http2;

/// <summary>The server broke HTTP/2's rules: a connection error (RFC 9113 section 5.4.1) ending the connection.</summary>
internal sealed class Http2ProtocolException(uint errorCode, string message) : Exception(message)
{
    public uint ErrorCode { get; } = errorCode;
}
