namespace MlopsGateway.Registry.Rollouts;

/// <summary>A criterion's judgement of one interval.</summary>
public enum Verdict
{
    /// <summary>Too few samples (or no data) to say: the step holds; never a pass.</summary>
    Inconclusive,

    /// <summary>The canary meets the criterion.</summary>
    Pass,

    /// <summary>The canary breaks the criterion, with the test's confidence.</summary>
    Fail,
}
