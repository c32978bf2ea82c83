using System.Text.Json.Nodes;
using Inference;

namespace MlopsGateway.Contracts.Tensors;

/// <summary>Reads a <see cref="ModelInferResponse"/>'s outputs, typed or raw, into flat values and JSON.</summary>
public static class InferResponseReader
{
    /// <summary>The values of output <paramref name="index"/> as doubles (booleans as 0/1), from typed or raw contents.</summary>
    public static double[] Values(ModelInferResponse response, int index) => TensorValues.ReadOutput(response, index);

    /// <summary>
    /// The response as JSON: model, version, id and each output with its values nested by shape.
    /// Values are written as the codec formats them, so 64-bit integers keep every digit and floats
    /// read back as the same value; NaN and infinities, which JSON has no number for, are strings.
    /// </summary>
    public static JsonObject ToJson(ModelInferResponse response)
    {
        var outputs = new JsonArray();
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            var values = TensorValues.FormatOutput(response, i);
            var position = 0;
            outputs.Add(new JsonObject
            {
                ["name"] = output.Name,
                ["datatype"] = output.Datatype,
                ["shape"] = new JsonArray(output.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data"] = Nest(values, output.Shape.ToArray(), 0, ref position),
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

    private static JsonNode? Nest(string[] values, long[] shape, int depth, ref int position)
    {
        if (depth == shape.Length)
        {
            // An output carrying fewer values than its shape (BYTES, which is not printed) shows nulls.
            var text = position < values.Length ? values[position] : null;
            position++;
            return text is null ? null : text is "NaN" or "Infinity" or "-Infinity" ? JsonValue.Create(text) : JsonNode.Parse(text);
        }
        var array = new JsonArray();
        for (var i = 0; i < shape[depth]; i++)
        {
            array.Add(Nest(values, shape, depth + 1, ref position));
        }
        return array;
    }
}
