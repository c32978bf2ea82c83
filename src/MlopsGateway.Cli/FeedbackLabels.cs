using CsvHelper;

namespace MlopsGateway.Cli;

/// <summary>A CSV of labels for <c>mlops feedback send --file</c>: a header naming <c>id</c> and <c>label</c> (other columns ignored), one label a line.</summary>
internal static class FeedbackLabels
{
    /// <summary>The file's labels in order.</summary>
    /// <exception cref="InvalidDataException">No <c>id</c> or <c>label</c> column, malformed CSV, or a line with an empty id.</exception>
    public static IReadOnlyList<(string Id, string Label)> Read(TextReader reader, string name)
    {
        var options = new CsvReaderOptions { TrackLineNumbers = true, TrimWhitespace = true, MalformedData = CsvMalformedDataHandling.Throw };
        using var csv = CsvReader.Create(reader, options, leaveOpen: true);
        try
        {
            var headers = csv.Headers.ToList();
            var id = headers.FindIndex(h => string.Equals(h, "id", StringComparison.OrdinalIgnoreCase));
            var label = headers.FindIndex(h => string.Equals(h, "label", StringComparison.OrdinalIgnoreCase));
            if (id < 0 || label < 0)
            {
                throw new InvalidDataException($"{name} needs a header row naming the columns 'id' and 'label' (it names: {string.Join(", ", headers.DefaultIfEmpty("nothing"))}).");
            }
            var labels = new List<(string, string)>();
            while (csv.Read())
            {
                if (csv.FieldCount <= Math.Max(id, label) || csv.GetString(id) is not { Length: > 0 } value)
                {
                    throw new InvalidDataException($"{name} line {csv.LineNumber} has no id (or no label column).");
                }
                labels.Add((value, csv.GetString(label)));
            }
            return labels;
        }
        catch (CsvFormatException ex)
        {
            throw new InvalidDataException($"{name} line {ex.LineNumber} is not CSV: {ex.Message}", ex);
        }
    }
}
