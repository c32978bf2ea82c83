using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>A model version's inputs and outputs, read from its ONNX graph at push.</summary>
/// <param name="Inputs">The graph's inputs (initialisers excluded), in order.</param>
/// <param name="Outputs">The graph's outputs, in order.</param>
public sealed record ModelSignature(
    [property: JsonPropertyName("inputs")] IReadOnlyList<TensorSignature> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<TensorSignature> Outputs)
{
    /// <summary>No inputs and no outputs: the signature of a file that could not be read.</summary>
    public static ModelSignature Empty { get; } = new([], []);
}
