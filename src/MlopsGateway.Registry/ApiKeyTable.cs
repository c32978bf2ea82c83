using System.Collections.Frozen;

namespace MlopsGateway.Registry;

/// <summary>
/// An immutable lookup of key records by hash. Gateways hold one and replace it whole when the
/// key set changes, so a lookup never takes a lock or goes to Redis.
/// </summary>
public sealed class ApiKeyTable
{
    private readonly FrozenDictionary<string, ApiKeyRecord> _byHash;

    public ApiKeyTable(IEnumerable<ApiKeyRecord> records)
    {
        var byHash = new Dictionary<string, ApiKeyRecord>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            byHash[record.Hash] = record;
        }
        _byHash = byHash.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>A table with no keys: every caller is refused.</summary>
    public static ApiKeyTable Empty { get; } = new([]);

    /// <summary>Number of keys.</summary>
    public int Count => _byHash.Count;

    /// <summary>The record whose secret is <paramref name="secret"/>, or null.</summary>
    public ApiKeyRecord? Find(ReadOnlySpan<char> secret)
    {
        if (secret.IsEmpty || _byHash.Count == 0)
        {
            return null;
        }
        return _byHash.GetValueOrDefault(ApiKeyHasher.Hash(secret));
    }
}
