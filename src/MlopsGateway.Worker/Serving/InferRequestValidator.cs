using Google.Protobuf;
using Grpc.Core;
using Inference;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Worker.Serving;

/// <summary>
/// Checks a <see cref="ModelInferRequest"/> against a model's inputs and outputs before anything
/// runs: names, datatypes, shapes (variable dimensions allowed) and content sizes. Every refusal is
/// an INVALID_ARGUMENT whose message names the tensor and what was expected.
/// </summary>
internal static class InferRequestValidator
{
    /// <summary>Largest tensor accepted, in elements, whatever the receive limit; guards the size arithmetic and memory.</summary>
    public const long MaxElements = 1L << 31;

    /// <summary>
    /// The most elements a request's tensor may hold under a receive limit of <paramref name="maxReceiveMessageSize"/>
    /// bytes: every element takes at least one byte of the message, so a larger shape cannot be carried whole.
    /// </summary>
    public static long ElementLimit(long maxReceiveMessageSize) => Math.Clamp(maxReceiveMessageSize, 0, MaxElements);

    /// <summary>
    /// Validates <paramref name="request"/>; returns the inputs in the model's order and the output
    /// names to compute (every output when the request names none). One input holds at most
    /// <paramref name="maxElements"/> elements (<see cref="ElementLimit"/>).
    /// </summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT, naming what is wrong.</exception>
    public static (ValidatedInput[] Inputs, string[] Outputs) Validate(
        ModelInferRequest request, string modelLabel, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs,
        long maxElements = MaxElements)
    {
        var useRaw = request.RawInputContents.Count > 0;
        if (useRaw && request.RawInputContents.Count != request.Inputs.Count)
        {
            throw Invalid($"{modelLabel}: the request has {request.Inputs.Count} inputs but {request.RawInputContents.Count} raw_input_contents; raw_input_contents[i] must belong to inputs[i].");
        }

        var byName = new Dictionary<string, int>(request.Inputs.Count, StringComparer.Ordinal);
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var name = request.Inputs[i].Name;
            if (!byName.TryAdd(name, i))
            {
                throw Invalid($"{modelLabel}: input '{name}' appears more than once.");
            }
            if (!ContainsName(inputs, name))
            {
                throw Invalid($"{modelLabel}: unknown input '{name}'. The model takes: {Describe(inputs)}.");
            }
        }

        var validated = new ValidatedInput[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            var spec = inputs[i];
            if (!byName.TryGetValue(spec.Name, out var index))
            {
                throw Invalid($"{modelLabel}: missing input '{spec.Name}' ({spec.Datatype} {spec.ShapeText}).");
            }
            var input = request.Inputs[index];
            validated[i] = ValidateInput(modelLabel, spec, input, useRaw ? request.RawInputContents[index] : null, maxElements);
        }

        string[] outputNames;
        if (request.Outputs.Count == 0)
        {
            outputNames = new string[outputs.Count];
            for (var i = 0; i < outputs.Count; i++)
            {
                outputNames[i] = outputs[i].Name;
            }
        }
        else
        {
            outputNames = new string[request.Outputs.Count];
            for (var i = 0; i < request.Outputs.Count; i++)
            {
                var name = request.Outputs[i].Name;
                if (!ContainsName(outputs, name))
                {
                    throw Invalid($"{modelLabel}: unknown output '{name}'. The model's outputs are: {Describe(outputs)}.");
                }
                if (Array.IndexOf(outputNames, name, 0, i) >= 0)
                {
                    throw Invalid($"{modelLabel}: output '{name}' is requested more than once.");
                }
                outputNames[i] = name;
            }
        }
        return (validated, outputNames);
    }

    private static ValidatedInput ValidateInput(
        string modelLabel, TensorSpec spec, ModelInferRequest.Types.InferInputTensor input, ByteString? raw, long maxElements)
    {
        var label = $"{modelLabel}: input '{spec.Name}'";
        if (!string.Equals(input.Datatype, spec.Datatype, StringComparison.Ordinal))
        {
            var hint = TensorDatatype.IsKnown(input.Datatype) ? "" : $" ('{input.Datatype}' is not a protocol datatype)";
            throw Invalid($"{label} has datatype '{input.Datatype}'{hint}; the model expects {spec.Datatype}.");
        }
        if (spec.Datatype == TensorDatatype.Bytes)
        {
            throw Invalid($"{label} is BYTES (string) data, which this worker does not accept yet.");
        }

        var shape = input.Shape;
        if (shape.Count != spec.Shape.Count || !ShapeFits(shape, spec.Shape))
        {
            throw Invalid($"{label} has shape {TensorSpec.FormatShape(shape)}; the model expects {spec.ShapeText} (-1 = any size).");
        }
        long count = 1;
        var dims = new long[shape.Count];
        for (var d = 0; d < shape.Count; d++)
        {
            dims[d] = shape[d];
            // Every dimension is at least 0 here (ShapeFits), so the product only grows; stop before it wraps.
            if (shape[d] != 0 && count > maxElements / shape[d])
            {
                throw Invalid($"{label} has shape {TensorSpec.FormatShape(shape)}, over the limit of {maxElements} elements.");
            }
            count *= shape[d];
        }

        if (raw is not null)
        {
            if (input.Contents is not null && TensorContents.CountAll(input.Contents) > 0)
            {
                throw Invalid($"{label} sets contents while the request uses raw_input_contents; send every input one way.");
            }
            var expected = checked(count * TensorDatatype.ElementSize(spec.Datatype));
            if (raw.Length != expected)
            {
                throw Invalid($"{label} has {raw.Length} bytes of raw contents; shape {TensorSpec.FormatShape(shape)} of {spec.Datatype} needs {expected} bytes.");
            }
            return new ValidatedInput(spec, dims, count, raw, null);
        }

        if (!TensorDatatype.HasTypedContents(spec.Datatype))
        {
            throw Invalid($"{label} is {spec.Datatype}, which travels only in raw_input_contents.");
        }
        var contents = input.Contents ?? new InferTensorContents();
        var field = TensorDatatype.ContentsField(spec.Datatype);
        var carried = TensorContents.Count(spec.Datatype, contents);
        var total = TensorContents.CountAll(contents);
        if (total != carried)
        {
            throw Invalid($"{label} is {spec.Datatype}, so its values go in {field}; {total - carried} values were found in other contents fields.");
        }
        if (carried != count)
        {
            throw Invalid($"{label} carries {carried} values in {field}; shape {TensorSpec.FormatShape(shape)} needs {count}.");
        }
        return new ValidatedInput(spec, dims, count, null, contents);
    }

    private static bool ShapeFits(IList<long> actual, IReadOnlyList<long> expected)
    {
        for (var d = 0; d < actual.Count; d++)
        {
            if (actual[d] < 0 || (expected[d] >= 0 && actual[d] != expected[d]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool ContainsName(IReadOnlyList<TensorSpec> specs, string name)
    {
        foreach (var spec in specs)
        {
            if (spec.Name == name)
            {
                return true;
            }
        }
        return false;
    }

    private static string Describe(IReadOnlyList<TensorSpec> specs) =>
        string.Join(", ", specs.Select(s => $"{s.Name} ({s.Datatype} {s.ShapeText})"));

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
