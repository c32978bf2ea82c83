using System.Text;

namespace MlopsGateway.LoadTest.Http2;

/// <summary>
/// One distinct request, encoded once: its HPACK header block (no dynamic table, so the same bytes
/// are valid on every stream and connection) and its body, a whole gRPC message frame. Sending it
/// copies these bytes behind frame headers that carry the stream id.
/// </summary>
internal sealed class RequestTemplate
{
    private RequestTemplate(byte[] headerBlock, byte[] body)
    {
        HeaderBlock = headerBlock;
        Body = body;
    }

    /// <summary>The HEADERS frame's payload.</summary>
    public byte[] HeaderBlock { get; }

    /// <summary>The DATA frames' payload, in order.</summary>
    public byte[] Body { get; }

    /// <summary>A gRPC unary POST of <paramref name="grpcFrame"/> to <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The headers do not fit in one HEADERS frame (16 KiB: an API key that long).</exception>
    public static RequestTemplate Create(bool https, string authority, string path, string grpcTimeout, string? apiKey, byte[] grpcFrame)
    {
        var block = new List<byte>(128)
        {
            0x83, // :method POST, static index 3 (RFC 7541 Appendix A)
            https ? (byte)0x87 : (byte)0x86, // :scheme https (7) or http (6)
        };
        // Literals without indexing (RFC 7541 6.2.2), the name from the static table where it has one.
        Literal(block, 0x00, 4, null, path); // :path
        Literal(block, 0x00, 1, null, authority); // :authority
        Literal(block, 0x00, 31, null, "application/grpc"); // content-type
        Literal(block, 0x00, 0, "te", "trailers");
        Literal(block, 0x00, 0, "grpc-timeout", grpcTimeout);
        if (apiKey is not null)
        {
            // Never indexed (6.2.3): a secret no intermediary should put in its table.
            Literal(block, 0x10, 0, "x-api-key", apiKey);
        }
        if (block.Count > Http2Protocol.DefaultMaxFrameSize)
        {
            throw new ArgumentException($"The request's headers take {block.Count} bytes, more than one HTTP/2 frame carries ({Http2Protocol.DefaultMaxFrameSize}).");
        }
        return new RequestTemplate([.. block], grpcFrame);
    }

    private static void Literal(List<byte> block, byte pattern, int nameIndex, string? name, string value)
    {
        Integer(block, pattern, 4, nameIndex);
        if (name is not null)
        {
            String(block, name);
        }
        String(block, value);
    }

    private static void String(List<byte> block, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        Integer(block, 0x00, 7, bytes.Length); // H = 0: raw, not Huffman-coded
        block.AddRange(bytes);
    }

    // RFC 7541 5.1.
    private static void Integer(List<byte> block, byte pattern, int prefixBits, int value)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.Add((byte)(pattern | value));
            return;
        }
        block.Add((byte)(pattern | max));
        value -= max;
        while (value >= 0x80)
        {
            block.Add((byte)((value & 0x7f) | 0x80));
            value >>= 7;
        }
        block.Add((byte)value);
    }
}
