namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// One recorded prediction with the ground-truth label sent for it: what accuracy is computed from.
/// Exactly one of the class pair or the value pair is set, as the model is a classifier or a regressor.
/// </summary>
/// <param name="Id">The prediction's id (the request's <c>id</c>, or the one the worker made and returned).</param>
/// <param name="Model">The model name.</param>
/// <param name="Version">The version that answered.</param>
/// <param name="PredictedClass">A classifier's predicted class index; null for a regressor.</param>
/// <param name="Probabilities">A classifier's class probabilities, in class order, when the model outputs them; else null.</param>
/// <param name="PredictedValue">A regressor's predicted value; null for a classifier.</param>
/// <param name="LabelClass">The true class index (classifier); null for a regressor.</param>
/// <param name="LabelValue">The true value (regressor); null for a classifier.</param>
/// <param name="KeyId">The id of the API key that sent the label.</param>
/// <param name="PredictedAt">When the prediction was made.</param>
/// <param name="LabelledAt">When the label arrived.</param>
public sealed record LabelledPrediction(
    string Id,
    string Model,
    string Version,
    int? PredictedClass,
    IReadOnlyList<float>? Probabilities,
    double? PredictedValue,
    int? LabelClass,
    double? LabelValue,
    string KeyId,
    DateTimeOffset PredictedAt,
    DateTimeOffset LabelledAt);
