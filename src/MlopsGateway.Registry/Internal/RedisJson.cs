using System.Text.Json;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Internal;

/// <summary>Reads the JSON records the stores keep in Redis.</summary>
internal static class RedisJson
{
    /// <summary>
    /// The record in <paramref name="value"/>, or null when it is empty or unreadable: a record this
    /// version cannot read (written by another version, say) is skipped, not fatal, so the others keep working.
    /// </summary>
    public static T? Read<T>(RedisValue value) where T : class
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>((string)value!);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The record in <paramref name="value"/> (null when empty), or false with why it cannot be read;
    /// the reason names the JSON's line and position, never its content.
    /// </summary>
    public static bool TryRead<T>(RedisValue value, out T? record, out string? fault) where T : class
    {
        record = null;
        fault = null;
        if (value.IsNullOrEmpty)
        {
            return true;
        }
        try
        {
            record = JsonSerializer.Deserialize<T>((string)value!);
            if (record is null)
            {
                fault = "it is JSON null, not a record";
                return false;
            }
            return true;
        }
        catch (JsonException ex)
        {
            fault = $"it is not a readable record (JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}{(ex.Path is { Length: > 0 } path ? ", " + path : "")})";
            return false;
        }
    }

    /// <summary>
    /// The records of a hash's <paramref name="entries"/> that read and pass <paramref name="check"/>
    /// (given the field and the record: null when valid), and a fault for each other one, placed by <paramref name="location"/>.
    /// </summary>
    public static (List<T> Records, List<RecordFault> Faults) ReadFields<T>(
        HashEntry[] entries, Func<string, string> location, Func<string, T, string?> check) where T : class
    {
        var records = new List<T>(entries.Length);
        var faults = new List<RecordFault>();
        foreach (var entry in entries)
        {
            var field = (string)entry.Name!;
            if (!TryRead<T>(entry.Value, out var record, out var fault))
            {
                faults.Add(new RecordFault(location(field), fault!));
            }
            else if (record is not null && check(field, record) is { } problem)
            {
                faults.Add(new RecordFault(location(field), problem));
            }
            else if (record is not null)
            {
                records.Add(record);
            }
        }
        return (records, faults);
    }
}
