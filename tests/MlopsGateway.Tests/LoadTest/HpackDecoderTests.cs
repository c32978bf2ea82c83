using System.Text;
using MlopsGateway.LoadTest.Http2.Hpack;

namespace MlopsGateway.Tests.LoadTest;

/// <summary>
/// The load client's HPACK decoder against the examples of RFC 7541 Appendix C: single fields
/// (C.2), requests without and with Huffman coding sharing one dynamic table (C.3, C.4), and
/// responses with a 256-byte table that evicts (C.5, C.6); plus the encodings it must refuse.
/// </summary>
public sealed class HpackDecoderTests
{
    private const string Date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
    private const string Date2 = "Mon, 21 Oct 2013 20:13:22 GMT";
    private const string Cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    private static readonly (string, string)[][] s_requests =
    [
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")],
        [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")],
        [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"), ("custom-key", "custom-value")],
    ];

    private static readonly (string, string)[][] s_responses =
    [
        [(":status", "302"), ("cache-control", "private"), ("date", Date1), ("location", "https://www.example.com")],
        [(":status", "307"), ("cache-control", "private"), ("date", Date1), ("location", "https://www.example.com")],
        [(":status", "200"), ("cache-control", "private"), ("date", Date2), ("location", "https://www.example.com"), ("content-encoding", "gzip"), ("set-cookie", Cookie)],
    ];

    private sealed class Fields : IHeaderSink
    {
        public List<(string, string)> List { get; } = [];

        public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
            List.Add((Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value)));
    }

    private static (string, string)[] Decode(HpackDecoder decoder, string hex)
    {
        var fields = new Fields();
        decoder.Decode(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)), fields);
        return [.. fields.List];
    }

    [Theory]
    [InlineData("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572", "custom-key", "custom-header", 55)] // C.2.1
    [InlineData("040c 2f73 616d 706c 652f 7061 7468", ":path", "/sample/path", 0)] // C.2.2
    [InlineData("1008 7061 7373 776f 7264 0673 6563 7265 74", "password", "secret", 0)] // C.2.3
    [InlineData("82", ":method", "GET", 0)] // C.2.4
    public void SingleFields_C2(string hex, string name, string value, int tableSize)
    {
        var decoder = new HpackDecoder();

        Assert.Equal([(name, value)], Decode(decoder, hex));
        Assert.Equal(tableSize, decoder.TableSize);
    }

    [Theory]
    [InlineData(false, "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65")] // C.3
    [InlineData(true, "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")] // C.4, Huffman-coded
    public void RequestsSharingOneTable_C3_C4(bool huffman, string first, string second, string third)
    {
        _ = huffman;
        var decoder = new HpackDecoder();

        Assert.Equal(s_requests[0], Decode(decoder, first));
        Assert.Equal((1, 57), (decoder.TableCount, decoder.TableSize));
        Assert.Equal(s_requests[1], Decode(decoder, second));
        Assert.Equal((2, 110), (decoder.TableCount, decoder.TableSize));
        Assert.Equal(s_requests[2], Decode(decoder, third));
        Assert.Equal((3, 164), (decoder.TableCount, decoder.TableSize));
    }

    [Theory]
    [InlineData(false,
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31")] // C.5
    [InlineData(true,
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07")] // C.6, Huffman-coded
    public void ResponsesWithEvictions_C5_C6(bool huffman, string first, string second, string third)
    {
        _ = huffman;
        var decoder = new HpackDecoder(maxTableSize: 256);

        Assert.Equal(s_responses[0], Decode(decoder, first));
        Assert.Equal((4, 222), (decoder.TableCount, decoder.TableSize));
        // ":status: 307" evicts ":status: 302"; "c1 c0 bf" then name the shifted entries.
        Assert.Equal(s_responses[1], Decode(decoder, second));
        Assert.Equal((4, 222), (decoder.TableCount, decoder.TableSize));
        Assert.Equal(s_responses[2], Decode(decoder, third));
        Assert.Equal((3, 215), (decoder.TableCount, decoder.TableSize));
    }

    [Fact]
    public void SizeUpdate_ToZero_EmptiesTheTable_AndAboveTheAnnouncedLimit_IsRefused()
    {
        var decoder = new HpackDecoder(maxTableSize: 256);
        Decode(decoder, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");

        Assert.Equal([(":method", "GET")], Decode(decoder, "20 82"));
        Assert.Equal((0, 0), (decoder.TableCount, decoder.TableSize));
        // 0x3f 0xe1 0x07: a size update to 1024, above the 256 announced.
        Assert.Throws<HpackException>(() => Decode(decoder, "3fe107"));
        // After a field, a size update is out of place (RFC 7541 4.2).
        Assert.Throws<HpackException>(() => Decode(decoder, "82 20"));
    }

    [Theory]
    [InlineData("be")] // index 62 with an empty dynamic table
    [InlineData("80")] // index 0
    [InlineData("0481 ff")] // :path with a Huffman string of eight ones: padding longer than 7 bits
    [InlineData("0481 00")] // :path with a Huffman string ending in zero bits: padding not a prefix of EOS
    [InlineData("0484 ffff ffff")] // :path with Huffman EOS (30 ones) inside
    [InlineData("040a 2f")] // :path whose 10-byte string runs past the block
    [InlineData("04ff")] // :path whose length's integer is cut off
    public void InvalidBlocks_AreRefused(string hex)
    {
        Assert.Throws<HpackException>(() => Decode(new HpackDecoder(), hex));
    }

    [Fact]
    public void Huffman_EverySymbolsCode_DecodesBackToIt()
    {
        // Each byte's own code (RFC 7541 Appendix B), padded with ones, decodes to that byte alone.
        for (var symbol = 0; symbol < 256; symbol++)
        {
            var length = Huffman.LengthOf(symbol);
            var padded = ((ulong)Huffman.CodeOf(symbol) << ((8 - (length % 8)) % 8)) | ((1UL << ((8 - (length % 8)) % 8)) - 1);
            var bytes = new byte[(length + 7) / 8];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(padded >> (8 * (bytes.Length - 1 - i)));
            }
            var output = new byte[4];
            Assert.Equal(1, Huffman.Decode(bytes, output));
            Assert.Equal(symbol, output[0]);
        }
    }
}
