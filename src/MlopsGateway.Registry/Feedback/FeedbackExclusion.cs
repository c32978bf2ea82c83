using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Feedback;

/// <summary>One change of whose labels count, as kept in <see cref="FeedbackKeys.Audit"/>.</summary>
/// <param name="Action"><see cref="Excluded"/> or <see cref="Included"/>.</param>
/// <param name="KeyId">The sender: an API key id, or a <c>jwt:</c> subject.</param>
/// <param name="By">Who made the change.</param>
/// <param name="At">When.</param>
public sealed record FeedbackExclusion(
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("key_id")] string KeyId,
    [property: JsonPropertyName("by")] string By,
    [property: JsonPropertyName("at")] DateTimeOffset At)
{
    /// <summary>The sender's labels were left out of the figures.</summary>
    public const string Excluded = "excluded";

    /// <summary>The sender's labels count again.</summary>
    public const string Included = "included";
}
