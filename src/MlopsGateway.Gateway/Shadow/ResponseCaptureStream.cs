using System.Buffers;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// Passes the primary's answer to the caller unchanged and keeps a copy (up to a limit) for
/// comparison with a shadow's. Used only for requests sampled for shadowing.
/// </summary>
internal sealed class ResponseCaptureStream(Stream inner, int limit) : Stream
{
    private readonly ArrayBufferWriter<byte> _copy = new();
    private bool _overflowed;

    /// <summary>The answer's bytes when captured whole; null when it was larger than the limit.</summary>
    // Typed: a bare null would become an empty ReadOnlyMemory (through its conversion from byte[]), not "none".
    public ReadOnlyMemory<byte>? Captured => _overflowed ? default(ReadOnlyMemory<byte>?) : _copy.WrittenMemory;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(source, cancellationToken).ConfigureAwait(false);
        Keep(source.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Keep(buffer.AsSpan(offset, count));
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (_overflowed)
        {
            return;
        }
        if (_copy.WrittenCount + bytes.Length > limit)
        {
            _overflowed = true;
            return;
        }
        _copy.Write(bytes);
    }
}
