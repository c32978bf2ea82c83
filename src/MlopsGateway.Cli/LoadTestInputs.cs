using System.Globalization;
using System.Text.Json;
using Inference;
using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Cli;

/// <summary>
/// Reads the requests of a load test from a file, shaped by the model's metadata through
/// <see cref="PredictRequestBuilder"/>:
/// <list type="bullet">
/// <item>JSON: one object <c>{"input": nested array, …}</c> per request, or an array of them (sent in turn);</item>
/// <item>CSV: for a model with one two-dimensional input, one row of numbers per line (a header line is
/// skipped); each request takes the next <c>rows</c> lines.</item>
/// </list>
/// </summary>
public static class LoadTestInputs
{
    /// <summary>The most requests read from one file; more are not needed to vary the load.</summary>
    public const int MaxRequests = 10_000;

    /// <summary>Reads <paramref name="path"/> (.json or .csv).</summary>
    /// <exception cref="ArgumentException">The file cannot be read or does not fit the model; the message says where.</exception>
    public static IReadOnlyList<ModelInferRequest> Read(string path, ModelMetadataResponse metadata, string? version, int rows, bool raw)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"--input-file '{path}' does not exist.");
        }
        var text = File.ReadAllText(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => FromJson(path, text, metadata, version, raw),
            ".csv" => FromCsv(path, text, metadata, version, rows, raw),
            _ => throw new ArgumentException($"--input-file '{path}': give a .json or a .csv file."),
        };
    }

    private static List<ModelInferRequest> FromJson(string path, string text, ModelMetadataResponse metadata, string? version, bool raw)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"--input-file '{path}' is not valid JSON: {ex.Message}", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            var objects = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];
            if (objects.Count == 0 || objects.Any(o => o.ValueKind != JsonValueKind.Object))
            {
                throw new ArgumentException($"--input-file '{path}': expected an object {{\"input\": [[...]]}} or an array of such objects, one per request.");
            }
            var requests = new List<ModelInferRequest>();
            foreach (var (item, index) in objects.Take(MaxRequests).Select((o, i) => (o, i)))
            {
                try
                {
                    requests.Add(PredictRequestBuilder.Build(metadata, version,
                        item.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetRawText()}").ToList(), raw));
                }
                catch (ArgumentException ex)
                {
                    throw new ArgumentException($"--input-file '{path}', request {index + 1}: {ex.Message}", ex);
                }
            }
            return requests;
        }
    }

    private static List<ModelInferRequest> FromCsv(string path, string text, ModelMetadataResponse metadata, string? version, int rows, bool raw)
    {
        if (metadata.Inputs.Count != 1 || metadata.Inputs[0].Shape.Count != 2)
        {
            throw new ArgumentException($"--input-file '{path}': CSV fits a model with one two-dimensional input; '{metadata.Name}' takes "
                + $"{string.Join(", ", metadata.Inputs.Select(i => $"{i.Name} {i.Datatype} [{string.Join(", ", i.Shape)}]"))}. Use a JSON file.");
        }
        var input = metadata.Inputs[0];
        var lines = new List<string>();
        var lineNumber = 0;
        foreach (var raw0 in text.Split('\n'))
        {
            lineNumber++;
            var line = raw0.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (lines.Count == 0 && !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                continue; // a header
            }
            if (input.Shape[1] >= 0 && fields.Length != input.Shape[1])
            {
                throw new ArgumentException($"--input-file '{path}', line {lineNumber}: {fields.Length} values; input '{input.Name}' takes {input.Shape[1]} per row.");
            }
            lines.Add("[" + line + "]");
        }
        if (lines.Count == 0)
        {
            throw new ArgumentException($"--input-file '{path}' holds no rows.");
        }
        var requests = new List<ModelInferRequest>();
        for (var start = 0; start < lines.Count && requests.Count < MaxRequests; start += rows)
        {
            var batch = Enumerable.Range(start, rows).Select(i => lines[i % lines.Count]);
            try
            {
                requests.Add(PredictRequestBuilder.Build(metadata, version, [$"{input.Name}=[{string.Join(",", batch)}]"], raw));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"--input-file '{path}', rows {start + 1}-{start + rows}: {ex.Message}", ex);
            }
        }
        return requests;
    }
}
