using Inference;
using MlopsGateway.Contracts.Tensors;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// Compares two answers to one request: the largest absolute difference over outputs of the same
/// name, and for classifiers (a floating-point output shaped [rows, classes]) whether each row's
/// top class agrees.
/// </summary>
internal static class OutputComparer
{
    /// <summary>Compares <paramref name="shadow"/> with <paramref name="primary"/>.</summary>
    public static OutputComparison Compare(ModelInferResponse primary, ModelInferResponse shadow)
    {
        var maxDiff = 0.0;
        var rows = 0;
        var agreeing = 0;
        var classified = false;
        for (var i = 0; i < primary.Outputs.Count; i++)
        {
            var output = primary.Outputs[i];
            var j = IndexOf(shadow, output.Name);
            if (j < 0)
            {
                maxDiff = double.PositiveInfinity;
                continue;
            }
            if (!TryRead(primary, i, out var a) || !TryRead(shadow, j, out var b) || a.Length != b.Length)
            {
                maxDiff = double.PositiveInfinity;
                continue;
            }
            for (var k = 0; k < a.Length; k++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(a[k] - b[k]));
            }
            if (!classified && TensorDatatype.IsFloatingPoint(output.Datatype) && output.Shape.Count == 2 && output.Shape[1] > 1
                && a.Length == output.Shape[0] * output.Shape[1])
            {
                // The first score-shaped output decides top-class agreement.
                classified = true;
                var classes = (int)output.Shape[1];
                for (var row = 0; row < a.Length / classes; row++)
                {
                    rows++;
                    if (ArgMax(a.AsSpan(row * classes, classes)) == ArgMax(b.AsSpan(row * classes, classes)))
                    {
                        agreeing++;
                    }
                }
            }
        }
        return new OutputComparison(maxDiff, rows, agreeing);
    }

    /// <summary>An output's values; false for raw contents that are not whole elements, which compare as different.</summary>
    private static bool TryRead(ModelInferResponse response, int index, out double[] values)
    {
        try
        {
            values = TensorValues.ReadOutput(response, index);
            return true;
        }
        catch (ArgumentException)
        {
            values = [];
            return false;
        }
    }

    private static int IndexOf(ModelInferResponse response, string name)
    {
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            if (response.Outputs[i].Name == name)
            {
                return i;
            }
        }
        return -1;
    }

    private static int ArgMax(ReadOnlySpan<double> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}
