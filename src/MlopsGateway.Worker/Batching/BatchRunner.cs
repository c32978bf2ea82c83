using System.Buffers;
using Inference;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Worker.Batching;

/// <summary>
/// Runs a batch of requests as one ONNX Runtime run: each input's rows are copied once into a
/// pooled contiguous buffer that ONNX Runtime reads in place, and each output is split back by rows
/// with one block copy per request.
/// </summary>
internal static class BatchRunner
{
    /// <summary>One answer per item, in order.</summary>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime refused the inputs or failed.</exception>
    public static ModelInferResponse[] Run(ModelVersion model, IReadOnlyList<InferItem> items)
    {
        var first = items[0];
        var inputCount = first.Inputs.Length;
        var names = new string[inputCount];
        var values = new OrtValue[inputCount];
        var buffers = new byte[]?[inputCount];
        var pins = new MemoryHandle[inputCount];
        long totalRows = 0;
        foreach (var item in items)
        {
            totalRows += item.Rows;
        }
        try
        {
            for (var i = 0; i < inputCount; i++)
            {
                names[i] = first.Inputs[i].Spec.Name;
                values[i] = items.Count == 1
                    ? TensorConverter.ToOrtValue(first.Inputs[i])
                    : Merge(items, i, totalRows, out buffers[i], out pins[i]);
            }
            using var runOptions = new RunOptions();
            using var results = model.Session.Run(runOptions, names, values, first.Outputs);
            var responses = Split(model, items, results, totalRows);
            if (first.Observed)
            {
                model.Sketcher?.Observe(values, first.Outputs, results, totalRows);
            }
            return responses;
        }
        finally
        {
            for (var i = 0; i < inputCount; i++)
            {
                values[i]?.Dispose();
                pins[i].Dispose();
                if (buffers[i] is { } buffer)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    private static OrtValue Merge(IReadOnlyList<InferItem> items, int input, long totalRows, out byte[]? buffer, out MemoryHandle pin)
    {
        var spec = items[0].Inputs[input].Spec;
        TensorConverter.TryGetElementType(spec.Datatype, out var elementType);
        var shape = (long[])items[0].Inputs[input].Shape.Clone();
        shape[0] = totalRows;
        long elements = 0;
        foreach (var item in items)
        {
            elements += item.Inputs[input].ElementCount;
        }
        var size = TensorDatatype.ElementSize(spec.Datatype);
        var bytes = checked((int)(elements * size));
        if (bytes == 0)
        {
            buffer = null;
            pin = default;
            return OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, elementType, shape);
        }

        buffer = ArrayPool<byte>.Shared.Rent(bytes);
        var offset = 0;
        foreach (var item in items)
        {
            var source = item.Inputs[input];
            var length = (int)(source.ElementCount * size);
            var target = buffer.AsSpan(offset, length);
            if (source.Raw is not null)
            {
                source.Raw.Span.CopyTo(target);
            }
            else
            {
                TensorContents.WriteRaw(spec.Datatype, source.Contents!, target);
            }
            offset += length;
        }
        pin = buffer.AsMemory(0, bytes).Pin();
        unsafe
        {
            return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, elementType, shape, (IntPtr)pin.Pointer, bytes);
        }
    }

    private static ModelInferResponse[] Split(ModelVersion model, IReadOnlyList<InferItem> items, IReadOnlyList<OrtValue> results, long totalRows)
    {
        var responses = new ModelInferResponse[items.Count];
        for (var r = 0; r < items.Count; r++)
        {
            responses[r] = new ModelInferResponse { ModelName = model.Name, ModelVersion = model.Version, Id = items[r].Id };
        }
        var outputs = items[0].Outputs;
        var infos = new OrtTensorTypeAndShapeInfo[outputs.Length];
        var datatypes = new string[outputs.Length];
        var anyUntyped = false;
        for (var o = 0; o < outputs.Length; o++)
        {
            infos[o] = results[o].GetTensorTypeAndShape();
            datatypes[o] = TensorConverter.FromElementType(infos[o].ElementDataType)!;
            anyUntyped |= !TensorDatatype.HasTypedContents(datatypes[o]);
        }

        for (var o = 0; o < outputs.Length; o++)
        {
            var info = infos[o];
            var datatype = datatypes[o];
            var data = results[o].GetTensorDataAsSpan<byte>();
            if (items.Count == 1)
            {
                TensorConverter.AddOutput(responses[0], outputs[o], datatype, info.Shape, data, items[0].Raw || anyUntyped);
                continue;
            }
            if (info.Shape.Length == 0 || info.Shape[0] != totalRows)
            {
                throw new InvalidOperationException(
                    $"{model.Label}: output '{outputs[o]}' has first dimension {(info.Shape.Length == 0 ? "none" : info.Shape[0])}, not the batch's {totalRows} rows; this model cannot be batched (set max_batch_size 0).");
            }
            var rowBytes = totalRows == 0 ? 0 : data.Length / totalRows;
            long row = 0;
            for (var r = 0; r < items.Count; r++)
            {
                var shape = (long[])info.Shape.Clone();
                shape[0] = items[r].Rows;
                var slice = data.Slice((int)(row * rowBytes), (int)(items[r].Rows * rowBytes));
                TensorConverter.AddOutput(responses[r], outputs[o], datatype, shape, slice, items[r].Raw || anyUntyped);
                row += items[r].Rows;
            }
        }
        return responses;
    }
}
