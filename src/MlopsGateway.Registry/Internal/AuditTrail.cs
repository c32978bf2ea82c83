using StackExchange.Redis;

namespace MlopsGateway.Registry.Internal;

/// <summary>
/// An append-only trail of JSON entries under one Redis key: a stream trimmed to
/// <see cref="Length"/> entries, or, on servers without streams (the embedded Garnet), a capped
/// list of the same entries, newest first. Route changes and key changes both keep one.
/// </summary>
internal static class AuditTrail
{
    /// <summary>Entries kept; older ones are trimmed.</summary>
    public const int Length = 10_000;

    /// <summary>The stream field holding an entry's JSON.</summary>
    public const string EntryField = "change";

    /// <summary>Appends <paramref name="json"/>, with <paramref name="fields"/> beside it in a stream (for XRANGE readers).</summary>
    public static async Task AppendAsync(IDatabase db, string key, string json, params NameValueEntry[] fields)
    {
        try
        {
            await db.StreamAddAsync(key, [.. fields, new NameValueEntry(EntryField, json)],
                maxLength: Length, useApproximateMaxLength: true).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsUnknownCommand(ex))
        {
            await db.ListLeftPushAsync(key, json).ConfigureAwait(false);
            await db.ListTrimAsync(key, 0, Length - 1).ConfigureAwait(false);
        }
    }

    /// <summary>Every entry's JSON, newest first.</summary>
    public static async Task<IEnumerable<RedisValue>> ReadAsync(IDatabase db, string key)
    {
        try
        {
            var entries = await db.StreamRangeAsync(key, "-", "+", null, Order.Descending).ConfigureAwait(false);
            return entries.Select(e => e[EntryField]);
        }
        catch (RedisServerException ex) when (IsUnknownCommand(ex))
        {
            return await db.ListRangeAsync(key, 0, -1).ConfigureAwait(false);
        }
    }

    /// <summary>The latest <paramref name="count"/> entries that read as <typeparamref name="T"/>, newest first.</summary>
    public static async Task<IReadOnlyList<T>> LatestAsync<T>(IDatabase db, string key, int count) where T : class
    {
        var entries = new List<T>();
        foreach (var json in await ReadAsync(db, key).ConfigureAwait(false))
        {
            if (RedisJson.Read<T>(json) is { } entry)
            {
                entries.Add(entry);
                if (entries.Count == count)
                {
                    break;
                }
            }
        }
        return entries;
    }

    private static bool IsUnknownCommand(RedisServerException ex) =>
        ex.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase);
}
