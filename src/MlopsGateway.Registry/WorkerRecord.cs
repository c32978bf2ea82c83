using System.Text.Json.Serialization;

namespace MlopsGateway.Registry;

/// <summary>
/// A worker as it registers itself in Redis: where to reach it and what it serves. Renewed by the
/// worker's heartbeat; when the heartbeats stop the record expires and gateways drop the worker.
/// Immutable; each heartbeat writes a new record.
/// </summary>
/// <param name="Id">Unique per worker process (a restarted worker gets a new id).</param>
/// <param name="Address">Base address of its gRPC endpoint, <c>http://host:port</c> (HTTP/2 cleartext).</param>
/// <param name="Models">The model versions loaded now.</param>
/// <param name="Ready">Whether it takes requests (its models are loaded).</param>
/// <param name="StartedAt">When the worker process registered first.</param>
/// <param name="HeartbeatAt">When this record was written.</param>
/// <param name="Load">
/// Per loaded version, its queue and recent batches; null in records of workers that predate it
/// (still valid). Not part of <see cref="SameOffer"/>: it changes every heartbeat without changing what the worker offers.
/// </param>
public sealed record WorkerRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("models")] IReadOnlyList<ServedVersion> Models,
    [property: JsonPropertyName("ready")] bool Ready,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("heartbeat_at")] DateTimeOffset HeartbeatAt,
    [property: JsonPropertyName("load"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<VersionLoad>? Load = null)
{
    /// <summary>Whether this worker serves <paramref name="model"/> version <paramref name="version"/>.</summary>
    public bool Serves(string model, string version)
    {
        foreach (var served in Models)
        {
            if (served.Model == model && served.Version == version)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether what the worker offers differs from <paramref name="other"/> (heartbeat time aside).</summary>
    public bool SameOffer(WorkerRecord? other) =>
        other is not null && other.Address == Address && other.Ready == Ready && other.Models.SequenceEqual(Models);
}
