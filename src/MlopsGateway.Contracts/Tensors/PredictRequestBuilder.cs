using System.Text.Json;
using Google.Protobuf;
using Inference;

namespace MlopsGateway.Contracts.Tensors;

/// <summary>
/// Turns <c>name=JSON</c> arguments into a <see cref="ModelInferRequest"/> shaped by the model's
/// metadata: nested arrays give the shape, the metadata gives the datatype. A single row may be
/// written without its batch brackets.
/// </summary>
public static class PredictRequestBuilder
{
    /// <summary>Builds the request. Throws <see cref="ArgumentException"/> with a message a person can act on.</summary>
    public static ModelInferRequest Build(
        ModelMetadataResponse metadata, string? version, IReadOnlyList<string> inputs, bool raw)
    {
        var request = new ModelInferRequest { ModelName = metadata.Name, ModelVersion = version ?? "" };
        foreach (var argument in inputs)
        {
            var separator = argument.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw new ArgumentException($"--input '{argument}' is not name=JSON, e.g. features=[[1.0, 2.0]].");
            }
            var name = argument[..separator].Trim();
            var spec = metadata.Inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new ArgumentException($"Model '{metadata.Name}' has no input '{name}'. Its inputs: {string.Join(", ", metadata.Inputs.Select(i => $"{i.Name} ({i.Datatype} {TensorShape.Format(i.Shape)})"))}.");
            var (shape, values) = Flatten(name, argument[(separator + 1)..]);
            if (shape.Count == spec.Shape.Count - 1 && spec.Shape.Count > 0 && spec.Shape[0] == -1)
            {
                shape.Insert(0, 1);
            }
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = spec.Datatype };
            tensor.Shape.Add(shape);
            var (contents, bytes) = Encode(name, spec.Datatype, values, raw);
            tensor.Contents = contents;
            if (bytes is not null)
            {
                request.RawInputContents.Add(bytes);
            }
            request.Inputs.Add(tensor);
        }
        var missing = metadata.Inputs.Where(i => request.Inputs.All(r => r.Name != i.Name)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"Missing --input for: {string.Join(", ", missing.Select(i => $"{i.Name} ({i.Datatype} {TensorShape.Format(i.Shape)})"))}.");
        }
        return request;
    }

    private static (List<long> Shape, List<JsonElement> Values) Flatten(string name, string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"--input {name}: not valid JSON ({ex.Message}).", ex);
        }
        var shape = new List<long>();
        var values = new List<JsonElement>();
        var level = document.RootElement;
        while (level.ValueKind == JsonValueKind.Array)
        {
            shape.Add(level.GetArrayLength());
            if (level.GetArrayLength() == 0)
            {
                break;
            }
            level = level[0];
        }
        Collect(name, document.RootElement, shape, 0, values);
        return (shape, values);
    }

    private static void Collect(string name, JsonElement element, List<long> shape, int depth, List<JsonElement> values)
    {
        if (depth == shape.Count)
        {
            if (element.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
            {
                throw new ArgumentException($"--input {name}: the nested arrays are ragged; every row must have the same length.");
            }
            values.Add(element);
            return;
        }
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != shape[depth])
        {
            throw new ArgumentException($"--input {name}: the nested arrays are ragged; every row must have the same length.");
        }
        foreach (var item in element.EnumerateArray())
        {
            Collect(name, item, shape, depth + 1, values);
        }
    }

    /// <summary>
    /// The values as the input's datatype: typed contents, or raw bytes when <paramref name="raw"/> is
    /// set; FP16 and BF16 travel only raw. Integers are read exactly (all 64 bits).
    /// </summary>
    private static (InferTensorContents? Contents, ByteString? Raw) Encode(string name, string datatype, List<JsonElement> values, bool raw)
    {
        if (TensorDatatype.ElementSize(datatype) == 0)
        {
            throw new ArgumentException($"--input {name}: {datatype} has no fixed element size; this tool cannot send it.");
        }
        if (!raw && !TensorDatatype.HasTypedContents(datatype))
        {
            throw new ArgumentException($"--input {name}: {datatype} cannot be sent as typed contents; use --raw.");
        }
        var writer = new TensorWriter(datatype, values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            try
            {
                Write(writer, i, name, datatype, values[i]);
            }
            catch (OverflowException ex)
            {
                throw new ArgumentException($"--input {name}: {ex.Message}", ex);
            }
        }
        return raw ? (null, writer.ToRaw()) : (writer.ToContents(), null);
    }

    private static void Write(TensorWriter writer, int index, string name, string datatype, JsonElement value)
    {
        if (datatype == TensorDatatype.Bool)
        {
            writer.Set(index, Boolean(name, value));
        }
        else if (TensorDatatype.IsFloatingPoint(datatype))
        {
            writer.Set(index, Number(name, value));
        }
        else if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var integer))
        {
            writer.Set(index, integer);
        }
        else if (value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var large))
        {
            writer.Set(index, large);
        }
        else
        {
            throw new ArgumentException($"--input {name}: '{value}' is not an integer.");
        }
    }

    private static double Number(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? value.GetDouble()
        : throw new ArgumentException($"--input {name}: '{value}' is not a number.");

    private static bool Boolean(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.GetDouble() != 0,
        _ => throw new ArgumentException($"--input {name}: '{value}' is not true or false."),
    };
}
