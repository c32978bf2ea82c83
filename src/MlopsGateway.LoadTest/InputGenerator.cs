using Inference;
using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.LoadTest;

/// <summary>
/// Builds requests from a model's metadata, with seeded random values so a run can be repeated:
/// floats in [0, 1), integers in [0, 10), booleans either way. The leading variable dimension takes
/// the rows per request; other variable dimensions are 1 unless a shape is given.
/// </summary>
public static class InputGenerator
{
    /// <summary>The concrete shape of <paramref name="input"/>.</summary>
    /// <param name="input">The input as the model describes it.</param>
    /// <param name="rows">Rows per request, for a variable leading dimension.</param>
    /// <param name="shapes">Shapes given by name, which win over the metadata's.</param>
    /// <exception cref="ArgumentException">A given shape does not fit the model.</exception>
    public static long[] ResolveShape(ModelMetadataResponse.Types.TensorMetadata input, int rows, IReadOnlyDictionary<string, long[]> shapes)
    {
        var declared = input.Shape.ToArray();
        if (shapes.TryGetValue(input.Name, out var given))
        {
            var fits = given.Length == declared.Length && given.All(d => d >= 0)
                && given.Zip(declared).All(p => p.Second < 0 || p.First == p.Second);
            return fits ? given
                : throw new ArgumentException($"--shape {input.Name}={string.Join(",", given)} does not fit the model's {TensorShape.Format(declared)} (-1 = any size).");
        }
        var shape = new long[declared.Length];
        for (var d = 0; d < shape.Length; d++)
        {
            shape[d] = declared[d] >= 0 ? declared[d] : d == 0 ? rows : 1;
        }
        return shape;
    }

    /// <summary>
    /// <paramref name="count"/> distinct requests for the model, each with every input filled.
    /// Raw requests carry little-endian bytes (as Triton's clients send); typed ones use the contents fields.
    /// </summary>
    /// <exception cref="ArgumentException">An input cannot be generated (BYTES, or a shape that does not fit).</exception>
    public static IReadOnlyList<ModelInferRequest> Generate(
        ModelMetadataResponse metadata, string? version, int rows, IReadOnlyDictionary<string, long[]> shapes, int count, int seed, bool raw)
    {
        var unknown = shapes.Keys.Where(name => metadata.Inputs.All(i => i.Name != name)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"--shape names no input of model '{metadata.Name}': {string.Join(", ", unknown)}. Its inputs: {Describe(metadata, rows, new Dictionary<string, long[]>())}.");
        }
        var random = new Random(seed);
        var requests = new ModelInferRequest[count];
        for (var r = 0; r < count; r++)
        {
            var request = new ModelInferRequest { ModelName = metadata.Name, ModelVersion = version ?? "" };
            foreach (var input in metadata.Inputs)
            {
                var shape = ResolveShape(input, rows, shapes);
                var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = input.Datatype };
                tensor.Shape.Add(shape);
                var elements = shape.Aggregate(1L, (a, d) => a * d);
                if (TensorDatatype.ElementSize(input.Datatype) == 0)
                {
                    throw new ArgumentException($"Input '{input.Name}' is {input.Datatype}; random values cannot be made for it. Give --input-file.");
                }
                var values = RandomValues(input.Datatype, elements, random);
                if (raw || !TensorDatatype.HasTypedContents(input.Datatype))
                {
                    request.RawInputContents.Add(values.ToRaw());
                }
                else
                {
                    tensor.Contents = values.ToContents();
                }
                request.Inputs.Add(tensor);
            }
            if (request.RawInputContents.Count > 0 && request.RawInputContents.Count != request.Inputs.Count)
            {
                // FP16/BF16 travel only raw, and a request sends every input one way.
                return Generate(metadata, version, rows, shapes, count, seed, raw: true);
            }
            requests[r] = request;
        }
        return requests;
    }

    /// <summary>What each request will carry, e.g. <c>features FP32 [1, 5]</c>.</summary>
    public static string Describe(ModelMetadataResponse metadata, int rows, IReadOnlyDictionary<string, long[]> shapes) =>
        string.Join(", ", metadata.Inputs.Select(i => $"{i.Name} {i.Datatype} {TensorShape.Format(ResolveShape(i, rows, shapes))}"));

    /// <summary>One input's values: floats in [0, 1), integers in [0, 10), booleans either way, one draw each.</summary>
    private static TensorWriter RandomValues(string datatype, long elements, Random random)
    {
        var writer = new TensorWriter(datatype, checked((int)elements));
        for (var i = 0; i < writer.Count; i++)
        {
            if (datatype == TensorDatatype.Fp64)
            {
                writer.Set(i, random.NextDouble());
            }
            else if (TensorDatatype.IsFloatingPoint(datatype))
            {
                writer.Set(i, random.NextSingle());
            }
            else if (datatype == TensorDatatype.Bool)
            {
                writer.Set(i, random.Next(2) == 1);
            }
            else
            {
                writer.Set(i, (long)random.Next(10));
            }
        }
        return writer;
    }
}
