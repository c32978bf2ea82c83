using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Inference;
using MlopsGateway.Worker;

namespace MlopsGateway.Cli;

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
                ?? throw new ArgumentException($"Model '{metadata.Name}' has no input '{name}'. Its inputs: {string.Join(", ", metadata.Inputs.Select(i => $"{i.Name} ({i.Datatype} {TensorSpec.FormatShape(i.Shape)})"))}.");
            var (shape, values) = Flatten(name, argument[(separator + 1)..]);
            if (shape.Count == spec.Shape.Count - 1 && spec.Shape.Count > 0 && spec.Shape[0] == -1)
            {
                shape.Insert(0, 1);
            }
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = spec.Datatype };
            tensor.Shape.Add(shape);
            if (raw)
            {
                request.RawInputContents.Add(ToRaw(name, spec.Datatype, values));
            }
            else
            {
                tensor.Contents = ToContents(name, spec.Datatype, values);
            }
            request.Inputs.Add(tensor);
        }
        var missing = metadata.Inputs.Where(i => request.Inputs.All(r => r.Name != i.Name)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"Missing --input for: {string.Join(", ", missing.Select(i => $"{i.Name} ({i.Datatype} {TensorSpec.FormatShape(i.Shape)})"))}.");
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

    private static InferTensorContents ToContents(string name, string datatype, List<JsonElement> values)
    {
        var contents = new InferTensorContents();
        foreach (var value in values)
        {
            switch (datatype)
            {
                case TensorDataType.Fp32: contents.Fp32Contents.Add((float)Number(name, value)); break;
                case TensorDataType.Fp64: contents.Fp64Contents.Add(Number(name, value)); break;
                case TensorDataType.Int8 or TensorDataType.Int16 or TensorDataType.Int32: contents.IntContents.Add(checked((int)Integer(name, value))); break;
                case TensorDataType.Int64: contents.Int64Contents.Add(Integer(name, value)); break;
                case TensorDataType.UInt8 or TensorDataType.UInt16 or TensorDataType.UInt32: contents.UintContents.Add(checked((uint)Integer(name, value))); break;
                case TensorDataType.UInt64: contents.Uint64Contents.Add(checked((ulong)Integer(name, value))); break;
                case TensorDataType.Bool: contents.BoolContents.Add(Boolean(name, value)); break;
                default: throw new ArgumentException($"--input {name}: {datatype} cannot be sent as typed contents; use --raw.");
            }
        }
        return contents;
    }

    private static ByteString ToRaw(string name, string datatype, List<JsonElement> values)
    {
        var size = TensorDataType.ElementSize(datatype);
        if (size == 0)
        {
            throw new ArgumentException($"--input {name}: {datatype} has no fixed element size; it cannot be sent raw.");
        }
        var bytes = new byte[values.Count * size];
        for (var i = 0; i < values.Count; i++)
        {
            var target = bytes.AsSpan(i * size, size);
            switch (datatype)
            {
                case TensorDataType.Fp32: BinaryPrimitives.WriteSingleLittleEndian(target, (float)Number(name, values[i])); break;
                case TensorDataType.Fp64: BinaryPrimitives.WriteDoubleLittleEndian(target, Number(name, values[i])); break;
                case TensorDataType.Fp16: BinaryPrimitives.WriteHalfLittleEndian(target, (Half)Number(name, values[i])); break;
                case TensorDataType.Int8: target[0] = (byte)checked((sbyte)Integer(name, values[i])); break;
                case TensorDataType.UInt8: target[0] = checked((byte)Integer(name, values[i])); break;
                case TensorDataType.Int16: BinaryPrimitives.WriteInt16LittleEndian(target, checked((short)Integer(name, values[i]))); break;
                case TensorDataType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(target, checked((ushort)Integer(name, values[i]))); break;
                case TensorDataType.Int32: BinaryPrimitives.WriteInt32LittleEndian(target, checked((int)Integer(name, values[i]))); break;
                case TensorDataType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(target, checked((uint)Integer(name, values[i]))); break;
                case TensorDataType.Int64: BinaryPrimitives.WriteInt64LittleEndian(target, Integer(name, values[i])); break;
                case TensorDataType.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(target, checked((ulong)Integer(name, values[i]))); break;
                case TensorDataType.Bool: target[0] = Boolean(name, values[i]) ? (byte)1 : (byte)0; break;
                default: throw new ArgumentException($"--input {name}: {datatype} cannot be sent raw by this tool.");
            }
        }
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    private static double Number(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? value.GetDouble()
        : throw new ArgumentException($"--input {name}: '{value}' is not a number.");

    private static long Integer(string name, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var integer) ? integer
        : throw new ArgumentException($"--input {name}: '{value}' is not an integer.");

    private static bool Boolean(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.GetDouble() != 0,
        _ => throw new ArgumentException($"--input {name}: '{value}' is not true or false."),
    };

    /// <summary>Formats a number for output without culture surprises.</summary>
    internal static string Format(double value) => value.ToString("G9", CultureInfo.InvariantCulture);
}
