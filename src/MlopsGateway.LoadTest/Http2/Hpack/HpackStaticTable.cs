using System.Text;

namespace MlopsGateway.LoadTest.Http2.Hpack;

/// <summary>HPACK's static table (RFC 7541 Appendix A): indices 1 to 61.</summary>
internal static class HpackStaticTable
{
    /// <summary>How many entries it has; dynamic table indices start after them.</summary>
    public const int Count = 61;

    private static readonly (byte[] Name, byte[] Value)[] s_entries =
    [
        E(":authority"), E(":method", "GET"), E(":method", "POST"), E(":path", "/"), E(":path", "/index.html"),
        E(":scheme", "http"), E(":scheme", "https"), E(":status", "200"), E(":status", "204"), E(":status", "206"),
        E(":status", "304"), E(":status", "400"), E(":status", "404"), E(":status", "500"), E("accept-charset"),
        E("accept-encoding", "gzip, deflate"), E("accept-language"), E("accept-ranges"), E("accept"), E("access-control-allow-origin"),
        E("age"), E("allow"), E("authorization"), E("cache-control"), E("content-disposition"),
        E("content-encoding"), E("content-language"), E("content-length"), E("content-location"), E("content-range"),
        E("content-type"), E("cookie"), E("date"), E("etag"), E("expect"),
        E("expires"), E("from"), E("host"), E("if-match"), E("if-modified-since"),
        E("if-none-match"), E("if-range"), E("if-unmodified-since"), E("last-modified"), E("link"),
        E("location"), E("max-forwards"), E("proxy-authenticate"), E("proxy-authorization"), E("range"),
        E("referer"), E("refresh"), E("retry-after"), E("server"), E("set-cookie"),
        E("strict-transport-security"), E("transfer-encoding"), E("user-agent"), E("vary"), E("via"),
        E("www-authenticate"),
    ];

    /// <summary>Entry <paramref name="index"/> (1-based, as on the wire).</summary>
    public static (byte[] Name, byte[] Value) Get(int index) => s_entries[index - 1];

    private static (byte[], byte[]) E(string name, string value = "") => (Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
}
