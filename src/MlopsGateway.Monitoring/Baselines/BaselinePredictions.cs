namespace MlopsGateway.Monitoring.Baselines;

/// <summary>
/// What the model predicted for each baseline row, from which the prediction's profile is made:
/// a class index per row (a classifier, with its class names) or a value per row (a regressor).
/// </summary>
public sealed class BaselinePredictions
{
    private BaselinePredictions(IReadOnlyList<int>? classes, IReadOnlyList<string> names, IReadOnlyList<double>? values)
    {
        ClassIndices = classes;
        ClassNames = names;
        Values = values;
    }

    /// <summary>A classifier's predicted class index per row, or null for a regressor.</summary>
    public IReadOnlyList<int>? ClassIndices { get; }

    /// <summary>A classifier's class names in output order; empty for a regressor.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>A regressor's predicted value per row, or null for a classifier.</summary>
    public IReadOnlyList<double>? Values { get; }

    /// <summary>How many rows were predicted.</summary>
    public int Count => ClassIndices?.Count ?? Values!.Count;

    /// <summary>A classifier's predictions: class index per row, each below <paramref name="names"/>' count.</summary>
    public static BaselinePredictions Classes(IReadOnlyList<int> indices, IReadOnlyList<string> names) =>
        new(indices ?? throw new ArgumentNullException(nameof(indices)), names ?? throw new ArgumentNullException(nameof(names)), null);

    /// <summary>A regressor's predictions: one finite value per row.</summary>
    public static BaselinePredictions Regression(IReadOnlyList<double> values) =>
        new(null, [], values ?? throw new ArgumentNullException(nameof(values)));
}
