namespace MlopsGateway.Worker.Explanations;

/// <summary>
/// The rows a Shapley explanation runs, written on demand so that no call holds them all: row 0 is
/// the explained row itself (the full coalition), rows 1..B the background rows (the empty one), and
/// then B rows per other coalition: the explained row's values for the coalition's features, the
/// background row's for the rest (interventional Shapley values: features outside a coalition take
/// the background's values, independently of those inside).
/// </summary>
internal sealed class CoalitionRows
{
    private readonly float[] _row;
    private readonly float[][] _background;
    private readonly IReadOnlyList<bool[]> _coalitions;

    /// <param name="row">The explained row.</param>
    /// <param name="background">The background rows, each as wide as <paramref name="row"/>.</param>
    /// <param name="coalitions">The coalitions other than the empty and the full one; true: the feature is the row's.</param>
    public CoalitionRows(float[] row, float[][] background, IReadOnlyList<bool[]> coalitions)
    {
        _row = row;
        _background = background;
        _coalitions = coalitions;
        Count = 1 + background.Length + ((long)coalitions.Count * background.Length);
    }

    /// <summary>How many rows there are.</summary>
    public long Count { get; }

    /// <summary>Features per row.</summary>
    public int Width => _row.Length;

    /// <summary>Writes row <paramref name="index"/> into <paramref name="target"/> (<see cref="Width"/> values).</summary>
    public void Write(long index, Span<float> target)
    {
        if (index == 0)
        {
            _row.CopyTo(target);
            return;
        }
        var b = _background.Length;
        var rest = index - 1;
        if (rest < b)
        {
            _background[rest].CopyTo(target);
            return;
        }
        rest -= b;
        var mask = _coalitions[(int)(rest / b)];
        var background = _background[rest % b];
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = mask[i] ? _row[i] : background[i];
        }
    }

    /// <summary>
    /// From the outputs of every row (<paramref name="outputs"/>, <see cref="Count"/> of them): f(x),
    /// E[f(background)] and each coalition's value, the output's mean over its background rows.
    /// </summary>
    public (double Value, double BaseValue, double[] Coalitions) Values(IReadOnlyList<double> outputs)
    {
        var b = _background.Length;
        var values = new double[_coalitions.Count];
        for (var c = 0; c < values.Length; c++)
        {
            values[c] = Mean(outputs, 1 + b + ((long)c * b), b);
        }
        return (outputs[0], Mean(outputs, 1, b), values);
    }

    private static double Mean(IReadOnlyList<double> outputs, long start, int count)
    {
        var sum = 0.0;
        for (var i = 0; i < count; i++)
        {
            sum += outputs[(int)(start + i)];
        }
        return sum / count;
    }
}
