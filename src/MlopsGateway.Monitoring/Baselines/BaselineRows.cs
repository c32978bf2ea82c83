using System.Globalization;
using System.Text.Json;
using CsvHelper;

namespace MlopsGateway.Monitoring.Baselines;

/// <summary>
/// Rows of training data read from a file, for <see cref="BaselineBuilder"/>: CSV with a header row
/// of feature names, or JSON (an array of objects keyed by feature name, or an array of arrays, which
/// names no columns). Every value must be a finite number; a refusal names the file, the line or row,
/// and the column.
/// </summary>
/// <param name="Columns">The column names in file order; null for a JSON array of arrays.</param>
/// <param name="Rows">The rows, each as wide as the columns.</param>
public sealed record BaselineRows(IReadOnlyList<string>? Columns, IReadOnlyList<float[]> Rows)
{
    /// <summary>Reads <paramref name="path"/>, as JSON when it ends in <c>.json</c>, otherwise as CSV.</summary>
    /// <exception cref="InvalidDataException">The file is not rows of numbers; the message names where.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static BaselineRows Read(string path)
    {
        var name = Path.GetFileName(path);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            using var stream = File.OpenRead(path);
            return ReadJson(stream, name);
        }
        using var reader = new StreamReader(path);
        return ReadCsv(reader, name);
    }

    /// <summary>Reads CSV whose first row names the columns; <paramref name="name"/> is what errors call it.</summary>
    /// <exception cref="InvalidDataException">No header, a repeated or empty column name, a line of another width, malformed quoting, or a value that is not a finite number.</exception>
    public static BaselineRows ReadCsv(TextReader reader, string name)
    {
        var options = new CsvReaderOptions { TrackLineNumbers = true, TrimWhitespace = true, MalformedData = CsvMalformedDataHandling.Throw };
        using var csv = CsvReader.Create(reader, options, leaveOpen: true);
        try
        {
            var columns = ColumnNames(name, [.. csv.Headers]);
            if (columns.Count == 0)
            {
                throw new InvalidDataException($"{name} has no header row naming the features.");
            }
            var rows = new List<float[]>();
            while (csv.Read())
            {
                var line = csv.LineNumber;
                if (csv.FieldCount != columns.Count)
                {
                    throw new InvalidDataException($"{name} line {line} has {csv.FieldCount} values; the header names {columns.Count} columns.");
                }
                var row = new float[columns.Count];
                for (var c = 0; c < row.Length; c++)
                {
                    row[c] = Number(csv.GetString(c), () => $"{name} line {line}, column {columns[c]}");
                }
                rows.Add(row);
            }
            return rows.Count > 0 ? new BaselineRows(columns, rows) : throw new InvalidDataException($"{name} has a header but no rows.");
        }
        catch (CsvFormatException ex)
        {
            throw new InvalidDataException($"{name} line {ex.LineNumber} is not CSV: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a JSON array of objects (keys are the columns) or of arrays; <paramref name="name"/> is what errors call it.</summary>
    /// <exception cref="InvalidDataException">Not such an array, rows of different columns or widths, or a value that is not a finite number.</exception>
    public static BaselineRows ReadJson(Stream json, string name)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{name} is not JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array || root.GetArrayLength() == 0)
            {
                throw new InvalidDataException($"{name} is not a non-empty JSON array of rows (objects keyed by feature name, or arrays).");
            }
            return root[0].ValueKind == JsonValueKind.Object ? JsonObjects(root, name) : JsonArrays(root, name);
        }
    }

    /// <summary>
    /// The rows with their columns in <paramref name="features"/>' order: the columns must be the
    /// features, in any order, besides those named in <paramref name="ignore"/>, which are dropped.
    /// Rows that name no columns must be exactly as wide as the features.
    /// </summary>
    /// <exception cref="InvalidDataException">A feature is missing, or a column is not a feature and not ignored; the message lists both.</exception>
    public IReadOnlyList<float[]> ForFeatures(IReadOnlyList<string> features, IReadOnlyCollection<string>? ignore = null)
    {
        ignore ??= [];
        if (Columns is null)
        {
            var width = Rows[0].Length;
            return width == features.Count
                ? Rows
                : throw new InvalidDataException($"The rows have {width} values each; the model's features are {features.Count} ({string.Join(", ", features)}).");
        }
        var kept = Columns.Where(c => !ignore.Contains(c)).ToList();
        var missing = features.Where(f => !kept.Contains(f, StringComparer.Ordinal)).ToList();
        var extra = kept.Where(c => !features.Contains(c, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            throw new InvalidDataException(
                $"The columns are not the model's features. Expected: {string.Join(", ", features)}. Found: {string.Join(", ", Columns)}." +
                (missing.Count > 0 ? $" Missing: {string.Join(", ", missing)}." : "") +
                (extra.Count > 0 ? $" Not features: {string.Join(", ", extra)} (name them with --ignore-columns to leave them out)." : ""));
        }
        var index = features.Select(f => Columns.ToList().IndexOf(f)).ToArray();
        if (index.Select((c, i) => c == i).All(same => same) && index.Length == Columns.Count)
        {
            return Rows;
        }
        return [.. Rows.Select(row => index.Select(c => row[c]).ToArray())];
    }

    private static List<string> ColumnNames(string name, IReadOnlyList<string> header)
    {
        var columns = new List<string>(header.Count);
        foreach (var column in header)
        {
            if (string.IsNullOrEmpty(column))
            {
                throw new InvalidDataException($"{name}'s header has an empty column name (column {columns.Count + 1}).");
            }
            if (columns.Contains(column, StringComparer.Ordinal))
            {
                throw new InvalidDataException($"{name}'s header names column '{column}' twice.");
            }
            columns.Add(column);
        }
        return columns;
    }

    private static BaselineRows JsonObjects(JsonElement root, string name)
    {
        var columns = ColumnNames(name, [.. root[0].EnumerateObject().Select(p => p.Name)]);
        var rows = new List<float[]>(root.GetArrayLength());
        var number = 0;
        foreach (var element in root.EnumerateArray())
        {
            number++;
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{name} row {number} is not an object like row 1.");
            }
            var row = new float[columns.Count];
            var seen = 0;
            foreach (var property in element.EnumerateObject())
            {
                var c = columns.IndexOf(property.Name);
                if (c < 0)
                {
                    throw new InvalidDataException($"{name} row {number} has column '{property.Name}', which row 1 does not have ({string.Join(", ", columns)}).");
                }
                row[c] = JsonNumber(property.Value, () => $"{name} row {number}, column {property.Name}");
                seen++;
            }
            if (seen != columns.Count)
            {
                var missing = columns.Where(c => !element.TryGetProperty(c, out _));
                throw new InvalidDataException($"{name} row {number} lacks column {string.Join(", ", missing)}.");
            }
            rows.Add(row);
        }
        return new BaselineRows(columns, rows);
    }

    private static BaselineRows JsonArrays(JsonElement root, string name)
    {
        var rows = new List<float[]>(root.GetArrayLength());
        var number = 0;
        foreach (var element in root.EnumerateArray())
        {
            number++;
            if (element.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{name} row {number} is not an array like row 1.");
            }
            var row = new float[element.GetArrayLength()];
            if (row.Length == 0 || (rows.Count > 0 && row.Length != rows[0].Length))
            {
                throw new InvalidDataException($"{name} row {number} has {row.Length} values; row 1 has {(rows.Count > 0 ? rows[0].Length : row.Length)}.");
            }
            var c = 0;
            foreach (var value in element.EnumerateArray())
            {
                row[c] = JsonNumber(value, () => $"{name} row {number}, column {c + 1}");
                c++;
            }
            rows.Add(row);
        }
        return new BaselineRows(null, rows);
    }

    private static float JsonNumber(JsonElement value, Func<string> where) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && float.IsFinite((float)number)
            ? (float)number
            : throw new InvalidDataException($"{where()}: {Shown(value.GetRawText())} is not a finite number.");

    private static float Number(string text, Func<string> where) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && float.IsFinite(value)
            ? value
            : throw new InvalidDataException($"{where()}: '{Shown(text)}' is not a finite number.");

    /// <summary>Enough of a bad value to find it, not a whole cell of free text.</summary>
    private static string Shown(string text) => text.Length > 24 ? text[..24] + "…" : text;
}
