using System.Buffers.Binary;
using Google.Protobuf.Collections;
using Inference;
using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// One output of an answer read element by element where it lies: typed INT64 or FP32 contents, or
/// raw little-endian bytes. An output of another datatype than expected is read once as doubles
/// (<see cref="TensorValues.ReadOutput"/>), as every output was before, so the values are the same either way.
/// </summary>
internal readonly struct OutputColumn
{
    private readonly RepeatedField<long>? _longs;
    private readonly RepeatedField<float>? _floats;
    private readonly double[]? _doubles;
    private readonly ReadOnlyMemory<byte> _raw;
    private readonly bool _rawLongs;

    private OutputColumn(RepeatedField<long>? longs, RepeatedField<float>? floats, double[]? doubles, ReadOnlyMemory<byte> raw, bool rawLongs, int count)
    {
        (_longs, _floats, _doubles, _raw, _rawLongs, Count, Present) = (longs, floats, doubles, raw, rawLongs, count, true);
    }

    /// <summary>Whether the answer has the output.</summary>
    public bool Present { get; }

    /// <summary>How many elements it holds.</summary>
    public int Count { get; }

    /// <summary>Element <paramref name="i"/> as a double.</summary>
    public double this[int i] =>
        _longs is not null ? _longs[i]
        : _floats is not null ? _floats[i]
        : _doubles is not null ? _doubles[i]
        : _rawLongs ? BinaryPrimitives.ReadInt64LittleEndian(_raw.Span[(i * sizeof(long))..])
        : BinaryPrimitives.ReadSingleLittleEndian(_raw.Span[(i * sizeof(float))..]);

    /// <summary>Output <paramref name="name"/> of <paramref name="response"/>, expected of <paramref name="datatype"/> (INT64 or FP32); not present when the name is null or the answer lacks it.</summary>
    /// <exception cref="ArgumentException">Raw contents that are not a whole number of elements.</exception>
    public static OutputColumn Of(ModelInferResponse response, string? name, string datatype)
    {
        if (name is null)
        {
            return default;
        }
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            if (output.Name != name)
            {
                continue;
            }
            if (output.Datatype != datatype)
            {
                var doubles = TensorValues.ReadOutput(response, i);
                return new OutputColumn(null, null, doubles, default, false, doubles.Length);
            }
            var longs = datatype == TensorDatatype.Int64;
            if (response.RawOutputContents.Count > 0)
            {
                if (i >= response.RawOutputContents.Count)
                {
                    return new OutputColumn(null, null, [], default, false, 0);
                }
                var raw = response.RawOutputContents[i].Memory;
                return new OutputColumn(null, null, null, raw, longs, TensorContents.ElementCount(datatype, raw.Span));
            }
            var contents = output.Contents ?? new InferTensorContents();
            return longs
                ? new OutputColumn(contents.Int64Contents, null, null, default, false, contents.Int64Contents.Count)
                : new OutputColumn(null, contents.Fp32Contents, null, default, false, contents.Fp32Contents.Count);
        }
        return default;
    }
}
