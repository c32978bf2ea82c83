using System.Globalization;
using System.Text;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Reads the Prometheus text exposition format (version 0.0.4, and the OpenMetrics text that
/// OpenTelemetry's exporter may send): sample lines only; HELP, TYPE and other comments are skipped.
/// No served .NET package parses it, and the load tool needs only sums and counts.
/// </summary>
public static class PrometheusText
{
    private static readonly Dictionary<string, string> s_noLabels = new(StringComparer.Ordinal);

    /// <summary>Every sample in <paramref name="text"/>, in page order.</summary>
    /// <exception cref="FormatException">A line is not a sample; the message names the line.</exception>
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.AsSpan().Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }
            samples.Add(ParseLine(line, lineNumber));
        }
        return samples;
    }

    private static PrometheusSample ParseLine(ReadOnlySpan<char> line, int lineNumber)
    {
        var position = 0;
        while (position < line.Length && IsNameChar(line[position], position == 0))
        {
            position++;
        }
        if (position == 0)
        {
            throw Error(lineNumber, "expected a metric name");
        }
        var name = line[..position].ToString();
        var labels = s_noLabels;
        if (position < line.Length && line[position] == '{')
        {
            labels = ParseLabels(line, ref position, lineNumber);
        }
        var rest = line[position..].Trim();
        var end = rest.IndexOfAny(' ', '\t');
        // A timestamp may follow the value; the load tool does not need it.
        var valueText = end < 0 ? rest : rest[..end];
        if (valueText.IsEmpty)
        {
            throw Error(lineNumber, $"'{name}' has no value");
        }
        return new PrometheusSample(name, labels, ParseValue(valueText, lineNumber));
    }

    private static Dictionary<string, string> ParseLabels(ReadOnlySpan<char> line, ref int position, int lineNumber)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        position++; // '{'
        while (true)
        {
            SkipSpaces(line, ref position);
            if (position >= line.Length)
            {
                throw Error(lineNumber, "the label set is not closed with '}'");
            }
            if (line[position] == '}')
            {
                position++;
                return labels;
            }
            var start = position;
            while (position < line.Length && IsNameChar(line[position], position == start))
            {
                position++;
            }
            if (position == start)
            {
                throw Error(lineNumber, "expected a label name");
            }
            var labelName = line[start..position].ToString();
            SkipSpaces(line, ref position);
            if (position + 1 >= line.Length || line[position] != '=' || line[position + 1] != '"')
            {
                throw Error(lineNumber, $"label '{labelName}' is not followed by =\"value\"");
            }
            position += 2;
            var value = new StringBuilder();
            while (true)
            {
                if (position >= line.Length)
                {
                    throw Error(lineNumber, $"the value of label '{labelName}' is not closed with '\"'");
                }
                var c = line[position++];
                if (c == '"')
                {
                    break;
                }
                if (c == '\\' && position < line.Length)
                {
                    var escaped = line[position++];
                    value.Append(escaped == 'n' ? '\n' : escaped);
                    continue;
                }
                value.Append(c);
            }
            labels[labelName] = value.ToString();
            SkipSpaces(line, ref position);
            if (position < line.Length && line[position] == ',')
            {
                position++;
            }
        }
    }

    private static double ParseValue(ReadOnlySpan<char> text, int lineNumber) =>
        TryParseNumber(text, out var value) ? value : throw Error(lineNumber, $"'{text}' is not a number");

    /// <summary>A number as the text format writes it: a float, <c>+Inf</c>/<c>Inf</c>, <c>-Inf</c> or <c>NaN</c> (sample values and <c>le</c> bounds alike).</summary>
    internal static bool TryParseNumber(ReadOnlySpan<char> text, out double value)
    {
        if (text.Equals("+Inf", StringComparison.Ordinal) || text.Equals("Inf", StringComparison.Ordinal))
        {
            value = double.PositiveInfinity;
            return true;
        }
        if (text.Equals("-Inf", StringComparison.Ordinal))
        {
            value = double.NegativeInfinity;
            return true;
        }
        if (text.Equals("NaN", StringComparison.Ordinal))
        {
            value = double.NaN;
            return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsNameChar(char c, bool first) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (!first && c is >= '0' and <= '9');

    private static void SkipSpaces(ReadOnlySpan<char> line, ref int position)
    {
        while (position < line.Length && line[position] is ' ' or '\t')
        {
            position++;
        }
    }

    private static FormatException Error(int lineNumber, string problem) =>
        new($"Prometheus text, line {lineNumber}: {problem}.");
}
