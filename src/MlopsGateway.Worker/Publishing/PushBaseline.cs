namespace MlopsGateway.Worker.Publishing;

/// <summary>The training data a push makes the version's baseline from (<c>mlops models push --baseline</c>).</summary>
/// <param name="File">A CSV file with a header row of feature names, or JSON rows (objects keyed by feature name, or arrays).</param>
/// <param name="Categorical">Features whose values are category codes, besides the config's <c>categorical_features</c>.</param>
/// <param name="IgnoreColumns">Columns of the file that are not features (ids, the label), left out.</param>
public sealed record PushBaseline(string File, IReadOnlyList<string>? Categorical = null, IReadOnlyList<string>? IgnoreColumns = null);
