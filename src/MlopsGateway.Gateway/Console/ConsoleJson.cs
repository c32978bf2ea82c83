using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsGateway.Gateway.Console;

/// <summary>
/// How the console's API writes JSON: snake_case names, as the registry's records are stored (so a
/// record shown as it is and a view made for the console read alike), nulls left out.
/// </summary>
internal static class ConsoleJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
