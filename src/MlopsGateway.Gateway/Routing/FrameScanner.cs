using System.Buffers;
using System.Buffers.Binary;

namespace MlopsGateway.Gateway.Routing;

/// <summary>
/// Follows a request message's top-level fields after the model fields as its bytes stream to the
/// worker, skipping their contents (tensors are never copied or decoded), and refuses the frame
/// when the worker's parser could read a model or version other than the one the gateway peeked:
/// field 1 or 2 again, a tag or length the two parsers could read differently (<see cref="ProtoWire"/>),
/// a field running past the message, bytes after it (a unary call carries one message), or a frame
/// that ends early. The worker parses a unary request only once its stream has ended, so refusing
/// before the last byte is forwarded means the refused message never runs. Calls without model fields
/// (<see cref="ForServerCall"/>) are held to the framing and wire rules only.
/// </summary>
internal sealed class FrameScanner
{
    private const int HeaderLength = 5;

    private readonly long _start;
    private readonly bool _modelCall;
    private readonly byte[]? _header;
    private long _end;
    private bool _compressed;
    private long _position;
    private State _state = State.Tag;
    private ulong _varint;
    private int _varintBytes;
    private ulong _field;
    private long _skip;

    /// <param name="start">Offset from the frame's first byte where scanning starts (after the model fields).</param>
    /// <param name="end">Offset where the message ends: the frame header plus its length.</param>
    public FrameScanner(long start, long end)
    {
        _start = start;
        _end = end;
        _modelCall = true;
    }

    private FrameScanner()
    {
        _start = HeaderLength;
        _end = long.MaxValue;
        _header = new byte[HeaderLength];
    }

    /// <summary>
    /// For a call that names no model: reads the frame header itself; a compressed message is passed
    /// on unread (it names nothing to authorise), and fields 1 and 2 are just fields.
    /// </summary>
    public static FrameScanner ForServerCall() => new();

    private enum State
    {
        Tag,
        Length,
        Value,
        Skip,
    }

    /// <summary>What was found wrong; null while nothing was.</summary>
    public string? Fault { get; private set; }

    /// <summary>Scans the frame's next bytes (from its first byte on); false once a fault is found.</summary>
    public bool Scan(ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            if (!Scan(segment.Span))
            {
                return false;
            }
        }
        return Fault is null;
    }

    /// <summary>Scans the frame's next bytes (from its first byte on); false once a fault is found.</summary>
    public bool Scan(ReadOnlySpan<byte> bytes)
    {
        if (Fault is not null)
        {
            return false;
        }
        if (_header is not null && _position < HeaderLength)
        {
            var count = (int)Math.Min(HeaderLength - _position, bytes.Length);
            bytes[..count].CopyTo(_header.AsSpan((int)_position));
            bytes = bytes[count..];
            _position += count;
            if (_position == HeaderLength && !ReadHeader(_header))
            {
                return false;
            }
        }
        if (_compressed)
        {
            return true;
        }
        var before = _start - _position;
        if (before > 0)
        {
            var ignored = (int)Math.Min(before, bytes.Length);
            bytes = bytes[ignored..];
            _position += ignored;
        }
        var i = 0;
        while (i < bytes.Length)
        {
            if (_position >= _end)
            {
                return Refuse("bytes follow the message, and a call carries exactly one");
            }
            if (_state == State.Skip)
            {
                var count = (int)Math.Min(_skip, bytes.Length - i);
                i += count;
                _position += count;
                _skip -= count;
                if (_skip == 0)
                {
                    _state = State.Tag;
                }
                continue;
            }
            var b = bytes[i++];
            _position++;
            if (!Step(b))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>At the end of the body: false when the frame ended before its message did.</summary>
    public bool Complete()
    {
        if (Fault is not null)
        {
            return false;
        }
        if (_compressed)
        {
            return true;
        }
        if (_position < HeaderLength)
        {
            return Refuse("the body ends before a whole frame header");
        }
        return _position == _end && _state == State.Tag
            || Refuse($"the frame ends after {_position - HeaderLength} of the {_end - HeaderLength} message bytes its header announced");
    }

    private bool ReadHeader(ReadOnlySpan<byte> header)
    {
        if (header[0] > 1)
        {
            return Refuse($"the frame's compressed flag is {header[0]}, not 0 or 1");
        }
        _compressed = header[0] == 1;
        _end = HeaderLength + (long)BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        return true;
    }

    private bool Step(byte b)
    {
        var maxBytes = _state == State.Value ? ProtoWire.MaxValueBytes : ProtoWire.MaxTagOrLengthBytes;
        var status = ProtoWire.Add(ref _varint, ref _varintBytes, b, maxBytes, canonical: _state != State.Value);
        if (status == VarintStatus.More)
        {
            return _position < _end || Refuse("the message ends inside a field");
        }
        var value = _varint;
        _varint = 0;
        _varintBytes = 0;
        return _state switch
        {
            State.Tag => OnTag(status, value),
            State.Length => OnLength(status, value),
            _ => status == VarintStatus.Done ? Next() : Refuse($"field {_field} holds a varint longer than 10 bytes"),
        };
    }

    private bool OnTag(VarintStatus status, ulong tag)
    {
        if ((status == VarintStatus.Invalid ? "a field tag is over-long or padded" : ProtoWire.CheckTag(tag)) is { } fault)
        {
            return Refuse(fault);
        }
        _field = tag >> 3;
        if (_field is 1 or 2 && _modelCall)
        {
            return Refuse($"{ProtoWire.Describe(_field)} appears again after other fields");
        }
        switch ((int)(tag & 7))
        {
            case ProtoWire.WireVarint:
                _state = State.Value;
                return true;
            case ProtoWire.WireLengthDelimited:
                _state = State.Length;
                return true;
            case ProtoWire.WireFixed64:
                return SkipContents(8);
            default:
                return SkipContents(4);
        }
    }

    private bool OnLength(VarintStatus status, ulong length)
    {
        if (status == VarintStatus.Invalid || length > int.MaxValue)
        {
            return Refuse($"the length of field {_field} is over-long, padded or out of range");
        }
        return SkipContents((long)length);
    }

    private bool SkipContents(long length)
    {
        if (length > _end - _position)
        {
            return Refuse($"field {_field} runs past the end of the message");
        }
        if (length == 0)
        {
            return Next();
        }
        _skip = length;
        _state = State.Skip;
        return true;
    }

    private bool Next()
    {
        _state = State.Tag;
        return true;
    }

    private bool Refuse(string fault)
    {
        Fault ??= fault;
        return false;
    }
}
