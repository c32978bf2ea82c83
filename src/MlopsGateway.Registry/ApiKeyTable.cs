using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace MlopsGateway.Registry;

/// <summary>
/// An immutable lookup of key records by hash. Gateways hold one and replace it whole when the
/// key set changes, so a lookup never takes a lock or goes to Redis.
/// </summary>
/// <remarks>
/// Hashing a presented secret (SHA-256 through the platform's crypto library) costs more than the
/// rest of the lookup, and callers present the same few keys over and over; so secrets that matched
/// a record are remembered, in this process's memory only and for this table's life (a key change
/// builds a new table, so a revoked key is forgotten with it). Unknown secrets are never
/// remembered, so the cache cannot be filled from outside; it stops growing at
/// <see cref="MaxRemembered"/> entries.
/// </remarks>
public sealed class ApiKeyTable
{
    /// <summary>Most matched secrets remembered per table.</summary>
    public const int MaxRemembered = 4096;

    private readonly FrozenDictionary<string, ApiKeyRecord> _byHash;
    private readonly ConcurrentDictionary<string, ApiKeyRecord> _matched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ApiKeyRecord>.AlternateLookup<ReadOnlySpan<char>> _matchedBySpan;

    /// <summary>A table of <paramref name="records"/>, indexed by their secrets' hashes.</summary>
    public ApiKeyTable(IEnumerable<ApiKeyRecord> records)
    {
        var byHash = new Dictionary<string, ApiKeyRecord>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            byHash[record.Hash] = record;
        }
        _byHash = byHash.ToFrozenDictionary(StringComparer.Ordinal);
        _matchedBySpan = _matched.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>A table with no keys: every caller is refused.</summary>
    public static ApiKeyTable Empty { get; } = new([]);

    /// <summary>Matched secrets remembered so far.</summary>
    internal int RememberedCount => _matched.Count;

    /// <summary>Number of keys.</summary>
    public int Count => _byHash.Count;

    /// <summary>Every key record.</summary>
    public IReadOnlyCollection<ApiKeyRecord> Records => _byHash.Values;

    /// <summary>The record whose secret is <paramref name="secret"/>, or null.</summary>
    public ApiKeyRecord? Find(ReadOnlySpan<char> secret)
    {
        if (secret.IsEmpty || _byHash.Count == 0)
        {
            return null;
        }
        if (_matchedBySpan.TryGetValue(secret, out var known))
        {
            return known;
        }
        var record = _byHash.GetValueOrDefault(ApiKeyHasher.Hash(secret));
        if (record is not null && _matched.Count < MaxRemembered)
        {
            _matched.TryAdd(secret.ToString(), record);
        }
        return record;
    }
}
