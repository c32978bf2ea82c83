using Google.Protobuf;
using Inference;
using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// Merges shadow copies that differ only in their rows into one ModelInferRequest (the rows of each
/// input concatenated along the first dimension), and splits the worker's answer back into one
/// answer per copy. A window of copies then costs the gateway and the worker one message each way
/// instead of one per copy: per message, not per row, is where a tiny model's copy spends its CPU.
/// </summary>
internal static class ShadowBatch
{
    /// <summary>Most rows merged into one message; the worker's default largest batch.</summary>
    public const int MaxRows = 32;

    /// <summary>
    /// Most bytes of copies merged into one message (a copy larger than this goes alone): the
    /// gateway's default largest shadow copy, far under a worker's default receive limit (64 MiB).
    /// </summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    /// <summary>
    /// What copies must share to be merged: the request with its id, its contents and its inputs'
    /// first dimension left out. Null when the request cannot be merged: no inputs, an input without
    /// a first dimension, inputs that disagree on it, or contents neither all raw nor all typed.
    /// </summary>
    public static ByteString? MergeKey(ModelInferRequest request, out long rows)
    {
        rows = 0;
        var raw = request.RawInputContents.Count;
        if (request.Inputs.Count == 0 || (raw != 0 && raw != request.Inputs.Count))
        {
            return null;
        }
        foreach (var input in request.Inputs)
        {
            if (input.Shape.Count == 0 || input.Shape[0] < 1 || (rows != 0 && input.Shape[0] != rows) || (raw == 0) == (input.Contents is null))
            {
                rows = 0;
                return null;
            }
            rows = input.Shape[0];
        }
        // The request itself with the left-out fields blanked while it is serialised, then put back:
        // a copy of it would cost the gateway as much again for every shadow copy.
        var id = request.Id;
        var rawContents = raw == 0 ? [] : request.RawInputContents.ToArray();
        var contents = new InferTensorContents?[request.Inputs.Count];
        request.Id = "";
        for (var i = 0; i < raw; i++)
        {
            // Emptied, not removed: raw copies must not share a key with typed ones.
            request.RawInputContents[i] = ByteString.Empty;
        }
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            contents[i] = request.Inputs[i].Contents;
            request.Inputs[i].Shape[0] = 0;
            request.Inputs[i].Contents = null;
        }
        try
        {
            return request.ToByteString();
        }
        finally
        {
            request.Id = id;
            for (var i = 0; i < raw; i++)
            {
                request.RawInputContents[i] = rawContents[i];
            }
            for (var i = 0; i < request.Inputs.Count; i++)
            {
                request.Inputs[i].Shape[0] = rows;
                request.Inputs[i].Contents = contents[i];
            }
        }
    }

    /// <summary>One request carrying every part's rows in order, with <paramref name="id"/> as its id.</summary>
    public static ModelInferRequest Merge(IReadOnlyList<ModelInferRequest> parts, string id)
    {
        var merged = parts[0].Clone();
        merged.Id = id;
        for (var i = 0; i < merged.Inputs.Count; i++)
        {
            var input = merged.Inputs[i];
            for (var p = 1; p < parts.Count; p++)
            {
                input.Shape[0] += parts[p].Inputs[i].Shape[0];
                // Protobuf merges repeated fields by appending: the typed contents of each part, in order.
                input.Contents?.MergeFrom(parts[p].Inputs[i].Contents);
            }
            if (merged.RawInputContents.Count > 0)
            {
                var bytes = new byte[parts.Sum(p => p.RawInputContents[i].Length)];
                var at = 0;
                foreach (var part in parts)
                {
                    part.RawInputContents[i].Span.CopyTo(bytes.AsSpan(at));
                    at += part.RawInputContents[i].Length;
                }
                merged.RawInputContents[i] = UnsafeByteOperations.UnsafeWrap(bytes);
            }
        }
        return merged;
    }

    /// <summary>
    /// Splits the answer to a merged request into one answer per part, by <paramref name="rows"/>.
    /// False when an output cannot be split by rows (its first dimension is not the merged rows, or
    /// its contents do not match its shape): the model does not answer row by row.
    /// </summary>
    public static bool TrySplit(ModelInferResponse merged, IReadOnlyList<long> rows, out ModelInferResponse[] parts)
    {
        var total = rows.Sum();
        parts = new ModelInferResponse[rows.Count];
        for (var p = 0; p < parts.Length; p++)
        {
            parts[p] = new ModelInferResponse { ModelName = merged.ModelName, ModelVersion = merged.ModelVersion };
        }
        var raw = merged.RawOutputContents.Count > 0;
        if (raw && merged.RawOutputContents.Count != merged.Outputs.Count)
        {
            return false;
        }
        for (var o = 0; o < merged.Outputs.Count; o++)
        {
            var output = merged.Outputs[o];
            if (output.Shape.Count == 0 || output.Shape[0] != total)
            {
                return false;
            }
            var rowShape = output.Shape.Skip(1).ToArray();
            long row = 0;
            for (var p = 0; p < parts.Length; p++)
            {
                var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = output.Datatype };
                tensor.Shape.Add(rows[p]);
                tensor.Shape.Add(rowShape);
                tensor.Parameters.Add(output.Parameters);
                if (raw)
                {
                    if (!TensorRows.TrySlice(output.Datatype, merged.RawOutputContents[o].Memory, output.Shape, row, row + rows[p], out var slice))
                    {
                        return false;
                    }
                    parts[p].RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(slice));
                }
                else if (output.Contents is { } contents)
                {
                    if (!TensorRows.TrySlice(contents, output.Shape, row, row + rows[p], out var slice))
                    {
                        return false;
                    }
                    tensor.Contents = slice;
                }
                parts[p].Outputs.Add(tensor);
                row += rows[p];
            }
        }
        return true;
    }
}
