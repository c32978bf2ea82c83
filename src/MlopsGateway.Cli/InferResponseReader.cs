using System.Text.Json.Nodes;
using Inference;
using MlopsGateway.Contracts;
using MlopsGateway.Worker;

namespace MlopsGateway.Cli;

/// <summary>Reads a <see cref="ModelInferResponse"/>'s outputs, typed or raw, into flat values and JSON.</summary>
public static class InferResponseReader
{
    /// <summary>The values of output <paramref name="index"/> as doubles (booleans as 0/1), from typed or raw contents.</summary>
    public static double[] Values(ModelInferResponse response, int index) => OutputValues.Read(response, index);

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
