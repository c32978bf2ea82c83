using System.Text.Json.Serialization;

namespace MlopsGateway.Registry.Models;

/// <summary>
/// What a gateway records of one key's calls to one model version: a field of
/// <c>{ns}:model:M:callers:V</c> named by the key's id.
/// </summary>
/// <param name="Count">Calls counted so far.</param>
/// <param name="LastSeen">When the last one came, in Unix milliseconds.</param>
public sealed record ModelCallerUse(
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("lastSeen")] long LastSeen);
