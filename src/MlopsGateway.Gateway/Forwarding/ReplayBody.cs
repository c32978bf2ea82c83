using System.Buffers;
using CommunityToolkit.HighPerformance.Buffers;

namespace MlopsGateway.Gateway.Forwarding;

/// <summary>
/// The forwarded body, kept as it is handed to the first worker (in a pooled buffer, up to a limit)
/// so that <see cref="Replay"/> can send the same bytes to a second one after the first died with
/// the request in flight. Past the limit the copy is given up and the call cannot be replayed; the
/// bytes still stream through. Dispose it when the call ends: that returns the buffer.
/// </summary>
internal sealed class ReplayBody : ReadOnlyBodyStream
{
    private readonly Stream _inner;
    private readonly int _limit;
    private ArrayPoolBufferWriter<byte>? _kept;
    private bool _replaying;
    private int _replayed;

    /// <param name="inner">The body as the first attempt would read it.</param>
    /// <param name="limit">Most bytes kept; a body that grows past it cannot be replayed.</param>
    /// <param name="expected">The body's length when known (the first buffer is rented at that size), else 0.</param>
    public ReplayBody(Stream inner, int limit, long expected)
    {
        _inner = inner;
        _limit = limit;
        // A small first buffer for an unknown length: most calls are a few hundred bytes, and the writer grows.
        _kept = new ArrayPoolBufferWriter<byte>((int)Math.Min(Math.Max(expected, 256), Math.Max(limit, 1)));
    }

    /// <summary>Whether every byte handed over so far is kept, so that <see cref="Replay"/> can send them again.</summary>
    public bool CanReplay => _kept is not null && !_replaying;

    /// <summary>Reads from the start again: the kept bytes, then the rest of the body as it arrives.</summary>
    public void Replay()
    {
        if (!CanReplay)
        {
            throw new InvalidOperationException("The body was not kept whole, or was replayed once already.");
        }
        _replaying = true;
        _replayed = 0;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_replaying && _kept is { } kept && _replayed < kept.WrittenCount)
        {
            var count = Math.Min(destination.Length, kept.WrittenCount - _replayed);
            kept.WrittenSpan.Slice(_replayed, count).CopyTo(destination.Span);
            _replayed += count;
            return count;
        }
        var read = await _inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
        if (!_replaying && _kept is { } keeping && read > 0)
        {
            if (keeping.WrittenCount + read > _limit)
            {
                keeping.Dispose();
                _kept = null;
            }
            else
            {
                keeping.Write(destination.Span[..read]);
            }
        }
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _kept?.Dispose();
            _kept = null;
        }
        base.Dispose(disposing);
    }
}
