namespace MlopsGateway.LoadTest.Http2.Hpack;

/// <summary>Receives the fields of a decoded header block, as bytes valid only during the call.</summary>
internal interface IHeaderSink
{
    /// <summary>One field, in the order of the block.</summary>
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
