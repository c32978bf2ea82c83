using System.Text;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// Reads a block of prediction records (<see cref="FeedbackKeys.PredictionBlock"/>): lines of
/// <c>id {StoredPrediction JSON}\n</c>, as every write APPENDed them. The whole block's framing is
/// checked (each line an id of up to 43 characters, a space and a JSON object, the last line ended),
/// so a damaged or foreign value is a clear problem wherever it is damaged; the record found is
/// checked as JSON by the caller.
/// </summary>
internal static class PredictionBlock
{
    // 32 hex digits, then '#' and up to 10 digits for a row (PredictionIds.TryBlockOf).
    private const int MaxIdLength = 43;

    /// <summary>
    /// Finds the last line of <paramref name="lines"/> recorded as <paramref name="id"/>: its number
    /// from 1 (0 when none is) and where its record lies; returns what makes the block no block of
    /// records, or null.
    /// </summary>
    public static string? Find(ReadOnlySpan<byte> lines, string id, out int line, out Range record)
    {
        line = 0;
        record = default;
        if (lines.Length == 0 || lines[^1] != (byte)'\n')
        {
            return "it is not a block of prediction records (its last line is not ended)";
        }
        var at = 0;
        for (var number = 1; at < lines.Length; number++)
        {
            var length = lines[at..].IndexOf((byte)'\n');
            var text = lines.Slice(at, length);
            var space = text.IndexOf((byte)' ');
            if (space is <= 0 or > MaxIdLength || text.Length < space + 3 || text[space + 1] != (byte)'{' || text[^1] != (byte)'}')
            {
                return $"it is not a block of prediction records (line {number} is not an id, a space and a record)";
            }
            if (Ascii.Equals(text[..space], id))
            {
                line = number;
                record = new Range(at + space + 1, at + length);
            }
            at += length + 1;
        }
        return null;
    }
}
