using System.Buffers;
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Inference;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Tests.Gateway.Routing;

/// <summary>
/// Frames as an attacker builds them, for the property tests and the fuzz run through a real stack:
/// valid top-level fields of a ModelInferRequest (and unknown ones), each tag and length written in
/// its shortest form or padded, over-long or with bits beyond 32, in any order and repetition, then
/// sometimes cut short, extended, given a wrong length in the header, or with a byte flipped.
/// </summary>
internal static class HostileFrames
{
    private static readonly string[] s_names = ["dtypes", "propensity", "", "nope", "dtypes\u00e9"];
    private static readonly string[] s_versions = ["", "1", "2", "99"];

    /// <summary>The serialised input tensor of a one-row propensity request (field 5 of ModelInferRequest).</summary>
    private static readonly byte[] s_features = PropensityInput();

    /// <summary>A varint; <paramref name="padding"/> extra bytes of continuation written before the last (a non-shortest form).</summary>
    public static byte[] Varint(ulong value, int padding = 0)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 || padding > 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        for (var i = 0; i < padding; i++)
        {
            bytes.Add(i == padding - 1 ? (byte)0 : (byte)0x80);
        }
        return [.. bytes];
    }

    /// <summary>A gRPC frame (uncompressed) around <paramref name="message"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> message, long? declaredLength = null)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(declaredLength ?? message.Length));
        message.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>How a tag or length is written.</summary>
    private static Gen<Func<ulong, byte[]>> Encodings() => Gen.Frequency(
        (12, Gen.Constant<Func<ulong, byte[]>>(v => Varint(v))),
        (1, Gen.Choose(1, 4).Select<int, Func<ulong, byte[]>>(p => v => Varint(v, p))),
        (1, Gen.Choose(5, 9).Select<int, Func<ulong, byte[]>>(p => v => Varint(v, p))),
        (1, Gen.Choose(1, 31).Select<int, Func<ulong, byte[]>>(bit => v => Varint(v | (1UL << (31 + bit))))));

    private static Gen<byte[]> Field(ulong number, int wireType, byte[] contents) =>
        from tag in Encodings()
        from length in Encodings()
        select wireType == ProtoWire.WireLengthDelimited
            ? [.. tag((number << 3) | (uint)wireType), .. length((ulong)contents.Length), .. contents]
            : (byte[])[.. tag((number << 3) | (uint)wireType), .. contents];

    private static Gen<byte[]> Text(ulong number, string[] values) =>
        Gen.Elements(values).SelectMany(v => Field(number, ProtoWire.WireLengthDelimited, System.Text.Encoding.UTF8.GetBytes(v)));

    private static Gen<byte[]> AnyField() => Gen.Frequency(
        (6, Text(1, s_names)),
        (5, Text(2, s_versions)),
        (3, Text(3, ["req-1", ""])),
        (6, Field(5, ProtoWire.WireLengthDelimited, s_features)),
        (1, ArbMap.Default.GeneratorFor<byte[]>().SelectMany(b => Field(5, ProtoWire.WireLengthDelimited, b))),
        (1, ArbMap.Default.GeneratorFor<byte[]>().SelectMany(b => Field(7, ProtoWire.WireLengthDelimited, b))),
        (1, Gen.Choose(0, 2).SelectMany(f => Field((ulong)f, ProtoWire.WireVarint, Varint(1)))),
        (1, Gen.Elements(0, 1, 2, 3, 4, 5, 6, 7).SelectMany(w => Field(1, w, [0x01, 0x41, 0, 0, 0, 0, 0, 0]))),
        (2, from number in Gen.Elements(8UL, 15UL, 16UL, 2047UL, 536870911UL)
            from wire in Gen.Elements(0, 1, 2, 5)
            from field in Field(number, wire, wire switch
            {
                0 => Varint(300),
                1 => new byte[8],
                5 => new byte[4],
                _ => [0x0A, 0x01, 0x42],
            })
            select field));

    /// <summary>A message built of 0 to 6 top-level fields, in any order.</summary>
    public static Gen<byte[]> Messages() =>
        Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(AnyField(), n)).Select(fields => fields.SelectMany(f => f).ToArray());

    /// <summary>A frame of <see cref="Messages"/>, then sometimes damaged.</summary>
    public static Gen<byte[]> Frames() =>
        from message in Messages()
        from damage in Gen.Choose(0, 9)
        from position in Gen.Choose(0, 1 << 16)
        from junk in ArbMap.Default.GeneratorFor<byte[]>()
        select Damage(message, damage, position, junk);

    /// <summary>Any bytes at all after a frame header announcing their length, or the bytes as the whole body.</summary>
    public static Gen<byte[]> RandomBodies() =>
        from bytes in ArbMap.Default.GeneratorFor<byte[]>()
        from framed in Gen.Elements(true, true, true, false)
        select framed ? Frame(bytes) : bytes;

    private static byte[] Damage(byte[] message, int damage, int position, byte[] junk)
    {
        switch (damage)
        {
            case 0 when message.Length > 0:
                // Cut short: the header announces more than arrives.
                return Frame(message, message.Length)[..(5 + (position % message.Length))];
            case 1:
                return [.. Frame(message), .. junk];
            case 2:
                return Frame(message, message.Length + 1 + (position % 7));
            case 3 when message.Length > 0:
                var flipped = (byte[])message.Clone();
                flipped[position % flipped.Length] ^= (byte)(1 << (position % 8));
                return Frame(flipped);
            case 4:
                // A second frame after the first.
                return [.. Frame(message), .. Frame(message)];
            default:
                return Frame(message);
        }
    }

    /// <summary>
    /// The model and version the gateway forwards <paramref name="frame"/> with, as its peek and its
    /// scan of the rest read them; null when the gateway refuses the frame (or must read more of it).
    /// </summary>
    public static (string Name, string Version, RequestPrefix Prefix)? GatewayReads(byte[] frame)
    {
        if (GrpcRequestPeek.TryReadPrefix(new ReadOnlySequence<byte>(frame), out var prefix, out _) != PeekResult.Found)
        {
            return null;
        }
        var scanner = new FrameScanner(prefix.FieldsEnd, GrpcRequestPeek.HeaderLength + (long)prefix.MessageLength);
        return scanner.Scan(frame) && scanner.Complete() ? (prefix.Name, prefix.Version, prefix) : null;
    }

    private static byte[] PropensityInput()
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "features", Datatype = "FP32", Contents = new InferTensorContents() };
        input.Shape.Add([1, 5]);
        input.Contents.Fp32Contents.Add([3f, 12.5f, 2f, 14f, 4f]);
        return input.ToByteArray();
    }
}
