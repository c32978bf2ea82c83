using System.Diagnostics;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>One sampled request to copy to a shadow version, with the primary's answer to compare against.</summary>
/// <param name="Model">The model.</param>
/// <param name="Primary">The version that answered the caller.</param>
/// <param name="Shadow">The version to copy to.</param>
/// <param name="Id">The request id the copy carries, unique in this gateway, to match the shadow's answer.</param>
/// <param name="Message">The ModelInferRequest message (no gRPC frame header), naming <paramref name="Shadow"/> and carrying <paramref name="Id"/>.</param>
/// <param name="PrimaryAnswer">The primary's gRPC response body (frame header included).</param>
internal sealed record ShadowWork(string Model, string Primary, string Shadow, string Id, byte[] Message, ReadOnlyMemory<byte> PrimaryAnswer)
{
    /// <summary>Sent as its own message, never merged with others: set when a merged message it was in failed.</summary>
    public bool Alone { get; init; }

    /// <summary>
    /// The copies sent again alone after the merged message they were in was refused; their answers
    /// tell whether the merging or one of the copies was at fault. Null otherwise.
    /// </summary>
    public ShadowMergeLearning.RetryAlone? Retry { get; init; }

    /// <summary>The copy's span (<see cref="Tracing.ShadowTracing"/>), ended with its outcome; null when not traced.</summary>
    public Activity? Span { get; init; }
}
