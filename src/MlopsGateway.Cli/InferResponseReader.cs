using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Inference;
using MlopsGateway.Worker;

namespace MlopsGateway.Cli;

/// <summary>Reads a <see cref="ModelInferResponse"/>'s outputs, typed or raw, into flat values and JSON.</summary>
public static class InferResponseReader
{
    /// <summary>The values of output <paramref name="index"/> as doubles (booleans as 0/1), from typed or raw contents.</summary>
    public static double[] Values(ModelInferResponse response, int index)
    {
        var output = response.Outputs[index];
        if (response.RawOutputContents.Count > 0)
        {
            return FromRaw(output.Datatype, response.RawOutputContents[index].Span);
        }
        var c = output.Contents ?? new InferTensorContents();
        return output.Datatype switch
        {
            TensorDataType.Fp32 => c.Fp32Contents.Select(v => (double)v).ToArray(),
            TensorDataType.Fp64 => c.Fp64Contents.ToArray(),
            TensorDataType.Int8 or TensorDataType.Int16 or TensorDataType.Int32 => c.IntContents.Select(v => (double)v).ToArray(),
            TensorDataType.Int64 => c.Int64Contents.Select(v => (double)v).ToArray(),
            TensorDataType.UInt8 or TensorDataType.UInt16 or TensorDataType.UInt32 => c.UintContents.Select(v => (double)v).ToArray(),
            TensorDataType.UInt64 => c.Uint64Contents.Select(v => (double)v).ToArray(),
            TensorDataType.Bool => c.BoolContents.Select(v => v ? 1.0 : 0.0).ToArray(),
            _ => [],
        };
    }

    private static double[] FromRaw(string datatype, ReadOnlySpan<byte> bytes)
    {
        var size = TensorDataType.ElementSize(datatype);
        if (size == 0)
        {
            return [];
        }
        var values = new double[bytes.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            var b = bytes.Slice(i * size, size);
            values[i] = datatype switch
            {
                TensorDataType.Fp32 => BinaryPrimitives.ReadSingleLittleEndian(b),
                TensorDataType.Fp64 => BinaryPrimitives.ReadDoubleLittleEndian(b),
                TensorDataType.Fp16 => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
                TensorDataType.Int8 => (sbyte)b[0],
                TensorDataType.UInt8 or TensorDataType.Bool => b[0],
                TensorDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
                TensorDataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
                TensorDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
                TensorDataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
                TensorDataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(b),
                TensorDataType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
                _ => double.NaN,
            };
        }
        return values;
    }

    /// <summary>The response as JSON: model, version, id and each output with its values nested by shape.</summary>
    public static JsonObject ToJson(ModelInferResponse response)
    {
        var outputs = new JsonArray();
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            var values = Values(response, i);
            var position = 0;
            outputs.Add(new JsonObject
            {
                ["name"] = output.Name,
                ["datatype"] = output.Datatype,
                ["shape"] = new JsonArray(output.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data"] = Nest(values, output.Shape.ToArray(), 0, ref position, output.Datatype),
            });
        }
        var json = new JsonObject { ["model_name"] = response.ModelName, ["model_version"] = response.ModelVersion };
        if (response.Id.Length > 0)
        {
            json["id"] = response.Id;
        }
        json["outputs"] = outputs;
        return json;
    }

    private static JsonNode? Nest(double[] values, long[] shape, int depth, ref int position, string datatype)
    {
        if (depth == shape.Length)
        {
            var value = position < values.Length ? values[position] : double.NaN;
            position++;
            return datatype switch
            {
                TensorDataType.Bool => JsonValue.Create(value != 0),
                TensorDataType.Fp32 or TensorDataType.Fp64 or TensorDataType.Fp16 or TensorDataType.Bf16 => JsonValue.Create(value),
                _ => JsonValue.Create((long)value),
            };
        }
        var array = new JsonArray();
        for (var i = 0; i < shape[depth]; i++)
        {
            array.Add(Nest(values, shape, depth + 1, ref position, datatype));
        }
        return array;
    }
}
