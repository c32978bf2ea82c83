using MlopsGateway.Worker.Tensors;
using MlopsGateway.Worker.Tracing;

namespace MlopsGateway.Worker.Batching;

/// <summary>A validated inference request waiting in a model version's batcher.</summary>
/// <param name="Inputs">Inputs in the model's order.</param>
/// <param name="Outputs">Output names to compute.</param>
/// <param name="Raw">Whether the caller sent raw tensors (and so gets raw ones back).</param>
/// <param name="Id">The request id, echoed in the answer.</param>
/// <param name="Rows">Rows of the request: the size of every input's first dimension.</param>
/// <param name="QueuedAt">When it was queued, as a <see cref="TimeProvider"/> timestamp.</param>
internal sealed record InferItem(ValidatedInput[] Inputs, string[] Outputs, bool Raw, string Id, long Rows, long QueuedAt)
{
    /// <summary>The call's span, taken when it was queued; null when not traced.</summary>
    public RequestTrace? Trace { get; init; }

    /// <summary>
    /// Whether drift sketches and captures count its rows: false for rows a worker made itself (an
    /// explanation's perturbed rows), which are not traffic. Such items carry a batch key of their own
    /// (<see cref="UnobservedKey"/>), so a batch is all observed or all not.
    /// </summary>
    public bool Observed { get; init; } = true;

    /// <summary>Appended to the batch key of items that are not <see cref="Observed"/>.</summary>
    public const string UnobservedKey = "unobserved;";

    /// <summary>
    /// Requests with the same key can share a run: same dimensions after the first for every
    /// input, and the same outputs.
    /// </summary>
    public static string BatchKey(ValidatedInput[] inputs, string[] outputs)
    {
        var builder = new System.Text.StringBuilder(64);
        foreach (var input in inputs)
        {
            for (var d = 1; d < input.Shape.Length; d++)
            {
                builder.Append(input.Shape[d]).Append(',');
            }
            builder.Append(';');
        }
        foreach (var output in outputs)
        {
            builder.Append(output).Append(';');
        }
        return builder.ToString();
    }
}
