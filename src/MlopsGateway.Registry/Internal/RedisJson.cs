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
}
