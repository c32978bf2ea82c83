using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Worker.Explanations;

/// <summary>
/// Where the worker's explanations read a version's baseline (its background sample): Redis once
/// <see cref="ExplanationsExtensions.AddExplanations"/> is called, nowhere before (every explanation
/// is then refused FAILED_PRECONDITION, saying how to start the worker).
/// </summary>
internal sealed class ExplainBaselines(Func<string, string, Task<BaselineProfile?>>? read)
{
    /// <summary>No baselines: a worker without Redis.</summary>
    public static ExplainBaselines None { get; } = new(null);

    /// <summary>Reads the baseline of a model and version; null when this worker reads none.</summary>
    public Func<string, string, Task<BaselineProfile?>>? Read { get; } = read;
}
