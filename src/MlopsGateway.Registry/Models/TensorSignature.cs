using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>One input or output of a model version.</summary>
/// <param name="Name">The tensor's name in the graph.</param>
/// <param name="Datatype">Its Open Inference Protocol datatype name: <c>FP32</c>, <c>INT64</c>, ...</param>
/// <param name="Shape">Its dimensions; -1 for a dynamic one (a batch dimension, say).</param>
public sealed record TensorSignature(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape)
{
    /// <summary>One line for people: <c>features FP32 [-1, 5]</c>.</summary>
    public string Describe() => $"{Name} {Datatype} [{string.Join(", ", Shape)}]";
}
