namespace MlopsGateway.Registry.Feedback;

/// <summary>What became of one label sent for a prediction.</summary>
public enum LabelResult
{
    /// <summary>Stored: the first label for the prediction.</summary>
    Accepted,

    /// <summary>Refused: the prediction has a label already (one label per prediction).</summary>
    AlreadyLabelled,

    /// <summary>Refused: no prediction of the model has the id (never recorded, not sampled, or expired).</summary>
    UnknownId,

    /// <summary>Refused: the label is not one of the model's classes, or not a number in its range.</summary>
    Invalid,
}

/// <summary>The outcome of one label, and a message a person can act on.</summary>
/// <param name="Result">What became of it.</param>
/// <param name="Message">Why, naming the prediction; for a refusal, what would be accepted.</param>
/// <param name="Label">The label stored: the one sent (<see cref="LabelResult.Accepted"/>), or the first one (<see cref="LabelResult.AlreadyLabelled"/>); else null.</param>
public sealed record LabelOutcome(LabelResult Result, string Message, LabelRecord? Label = null);
