namespace MlopsGateway.LoadTest.Internal;

/// <summary>
/// The tags of an <c>--hdr-log</c> file's histograms: <c>key=value</c> pairs joined by <c>;</c>, each
/// value percent-encoded, so a tag never holds the comma that ends it in HdrHistogram's log line.
/// </summary>
internal static class LogTag
{
    /// <summary>The run's description (the first histogram, empty).</summary>
    public const string Run = "mlops-run";

    /// <summary>The run's end (the last histogram, empty): the client's CPU and whether it was stopped.</summary>
    public const string Done = "mlops-done";

    /// <summary>The version of the tags' layout; a log of another version is refused.</summary>
    public const string Version = "1";

    public static string Format(IEnumerable<(string Key, string Value)> pairs) =>
        string.Join(';', pairs.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));

    /// <exception cref="FormatException">A pair without <c>=</c> or a key given twice.</exception>
    public static IReadOnlyDictionary<string, string> Parse(string? tag)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (tag ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !pairs.TryAdd(pair[..equals], Uri.UnescapeDataString(pair[(equals + 1)..])))
            {
                throw new FormatException($"The tag '{tag}' is not key=value pairs separated by ';'.");
            }
        }
        return pairs;
    }

    /// <summary>Values of a list (level labels, say), each percent-encoded inside the pair's own encoding.</summary>
    public static string List(IEnumerable<string> values) => string.Join('|', values.Select(Uri.EscapeDataString));

    public static string[] ParseList(string value) =>
        value.Length == 0 ? [] : value.Split('|').Select(Uri.UnescapeDataString).ToArray();
}
