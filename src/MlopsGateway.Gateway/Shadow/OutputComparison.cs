namespace MlopsGateway.Gateway.Shadow;

/// <summary>How a shadow's answer differs from the primary's.</summary>
/// <param name="MaxAbsDiff">Largest absolute difference over every output value both answers have (infinity when shapes differ).</param>
/// <param name="Rows">Classifier rows compared (0 when no output looks like class scores).</param>
/// <param name="RowsAgreeing">Rows whose top class is the same in both.</param>
internal readonly record struct OutputComparison(double MaxAbsDiff, int Rows, int RowsAgreeing);
