using System.Buffers;
using System.IO.Pipelines;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// The request body as the forwarder reads it: optionally a rewritten start (frame header and model
/// fields naming the routed version) in place of the original's first bytes, then the rest as it
/// arrives, copied aside when a shadow needs it. Remembers whether anything was read, which tells
/// whether a failed attempt may be retried on another worker. With a <see cref="FrameScanner"/>, every
/// byte is scanned before the forwarder sees it; a fault ends the body with an error (the forwarder
/// then abandons the worker's stream before it ends, so the worker runs nothing) and is kept in
/// <see cref="Refusal"/> for the caller's answer.
/// </summary>
internal sealed class ForwardedBodyStream : ReadOnlyBodyStream
{
    private readonly PipeReader _reader;
    private readonly byte[] _prefix;
    private readonly ArrayBufferWriter<byte>? _capture;
    private readonly int _captureLimit;
    private readonly FrameScanner? _scanner;
    private int _prefixPosition;
    private long _skip;

    /// <param name="reader">The original body, nothing consumed.</param>
    /// <param name="prefix">Bytes sent first, in place of the first <paramref name="skip"/> bytes of the original.</param>
    /// <param name="skip">Original bytes replaced by <paramref name="prefix"/>.</param>
    /// <param name="captureLimit">Copy up to this many bytes after the skipped ones aside (0: none).</param>
    /// <param name="scanner">Checks the original bytes as they pass; null: none (calls without a model).</param>
    public ForwardedBodyStream(PipeReader reader, byte[] prefix, long skip, int captureLimit, FrameScanner? scanner = null)
    {
        _scanner = scanner;
        _reader = reader;
        _prefix = prefix;
        _skip = skip;
        _captureLimit = captureLimit;
        _capture = captureLimit > 0 ? new ArrayBufferWriter<byte>() : null;
    }

    /// <summary>Whether the forwarder has read anything (and so may have sent bytes to a worker).</summary>
    public bool Started { get; private set; }

    /// <summary>The bytes after the replaced start, when captured whole; null otherwise.</summary>
    public ReadOnlyMemory<byte>? Captured => _capture is { } capture && !CaptureOverflowed ? capture.WrittenMemory : default(ReadOnlyMemory<byte>?);

    /// <summary>Why the body was refused part way, when it was: what could not be read unambiguously.</summary>
    public string? Refusal => _scanner?.Fault;

    private bool CaptureOverflowed { get; set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        Started = true;
        if (destination.IsEmpty)
        {
            return 0;
        }
        if (_prefixPosition < _prefix.Length)
        {
            var count = Math.Min(destination.Length, _prefix.Length - _prefixPosition);
            _prefix.AsSpan(_prefixPosition, count).CopyTo(destination.Span);
            _prefixPosition += count;
            return count;
        }
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (_skip > 0)
            {
                var skipped = Math.Min(_skip, buffer.Length);
                Check(buffer.Slice(0, skipped));
                buffer = buffer.Slice(skipped);
                _skip -= skipped;
            }
            if (buffer.IsEmpty)
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted && _scanner is { } scanner && !scanner.Complete())
                {
                    throw new InvalidDataException(scanner.Fault);
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    return 0;
                }
                continue;
            }
            var length = (int)Math.Min(destination.Length, buffer.Length);
            var chunk = buffer.Slice(0, length);
            Check(chunk);
            chunk.CopyTo(destination.Span);
            Capture(destination.Span[..length]);
            _reader.AdvanceTo(chunk.End);
            return length;
        }
    }

    private void Check(ReadOnlySequence<byte> bytes)
    {
        if (_scanner is { } scanner && !scanner.Scan(bytes))
        {
            // Nothing of these bytes is handed on; the worker's stream is reset unfinished.
            throw new InvalidDataException(scanner.Fault);
        }
    }

    private void Capture(ReadOnlySpan<byte> bytes)
    {
        if (_capture is null || CaptureOverflowed)
        {
            return;
        }
        if (_capture.WrittenCount + bytes.Length > _captureLimit)
        {
            CaptureOverflowed = true;
            return;
        }
        _capture.Write(bytes);
    }
}
