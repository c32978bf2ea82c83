namespace MlopsGateway.Monitoring.Sketches;

/// <summary>
/// One batch's predictions as the model gave them, over its output buffer: class indices (an INT64
/// label output), class probabilities (<c>[rows, classes]</c>, argmax taken), or a regressor's values.
/// </summary>
public readonly ref struct BatchPredictions
{
    private BatchPredictions(PredictionForm form, ReadOnlySpan<long> labels, ReadOnlySpan<float> values, int columns)
    {
        Form = form;
        Labels = labels;
        Values = values;
        Columns = columns;
    }

    /// <summary>No prediction to count.</summary>
    public static BatchPredictions None => default;

    /// <summary>What the buffer holds.</summary>
    public PredictionForm Form { get; }

    /// <summary>One class index per row.</summary>
    public ReadOnlySpan<long> Labels { get; }

    /// <summary>Probabilities (<see cref="Columns"/> per row) or one value per row.</summary>
    public ReadOnlySpan<float> Values { get; }

    /// <summary>Values per row.</summary>
    public int Columns { get; }

    /// <summary>A classifier's class index per row.</summary>
    public static BatchPredictions FromLabels(ReadOnlySpan<long> labels) => new(PredictionForm.Labels, labels, default, 1);

    /// <summary>A classifier's probabilities, <paramref name="classes"/> per row; the row's class is the largest.</summary>
    public static BatchPredictions FromProbabilities(ReadOnlySpan<float> probabilities, int classes) =>
        new(PredictionForm.Probabilities, default, probabilities, classes);

    /// <summary>A regressor's value per row.</summary>
    public static BatchPredictions FromValues(ReadOnlySpan<float> values) => new(PredictionForm.Values, default, values, 1);

    /// <summary>Row <paramref name="row"/>'s class index (labels, probabilities) or value; null when there is none.</summary>
    public double? At(int row) => Form switch
    {
        PredictionForm.Labels when row < Labels.Length => Labels[row],
        PredictionForm.Probabilities when (row + 1) * Columns <= Values.Length && ArgMax(Values.Slice(row * Columns, Columns)) is >= 0 and var best => best,
        PredictionForm.Values when row < Values.Length => Values[row],
        _ => null,
    };

    /// <summary>The first index of the largest value; -1 when every value is NaN or there is none.</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = -1;
        var top = float.NegativeInfinity;
        for (var i = 0; i < row.Length; i++)
        {
            if (row[i] > top || (best < 0 && row[i] == top))
            {
                top = row[i];
                best = i;
            }
        }
        return best;
    }
}

/// <summary>The form of a <see cref="BatchPredictions"/>.</summary>
public enum PredictionForm
{
    /// <summary>No predictions.</summary>
    None,

    /// <summary>Class indices.</summary>
    Labels,

    /// <summary>Class probabilities per row.</summary>
    Probabilities,

    /// <summary>A number per row.</summary>
    Values,
}
