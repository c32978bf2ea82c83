using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace MlopsGateway.Worker.Models;

/// <summary>
/// Merges a model's <c>config.json</c> layers (the model folder's, then the version folder's) with
/// Microsoft.Extensions.Configuration: each layer is one JSON source and the result is bound to a
/// <see cref="ModelConfig"/>, so a later layer overrides an earlier one field by field, nested
/// objects (<c>cuda</c>, <c>version_policy</c>) included. A list in a later layer replaces the
/// earlier list whole; an empty one clears it, since configuration holds no empty list.
/// </summary>
internal static class ModelConfigLayers
{
    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The configuration the files at <paramref name="paths"/> describe, later ones winning; missing files are skipped.</summary>
    /// <exception cref="InvalidDataException">A file is not valid JSON, not an object, or holds a value of the wrong type; the message names the file.</exception>
    public static ModelConfig Merge(IEnumerable<string?> paths)
    {
        var layers = new List<JsonObject>();
        foreach (var path in paths)
        {
            if (path is not null && File.Exists(path))
            {
                layers.Add(Read(path));
            }
        }
        for (var later = 1; later < layers.Count; later++)
        {
            for (var earlier = 0; earlier < later; earlier++)
            {
                RemoveReplaced(layers[earlier], layers[later]);
            }
        }

        var builder = new ConfigurationBuilder();
        foreach (var layer in layers)
        {
            RemoveNulls(layer);
            builder.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(layer.ToJsonString())));
        }
        // Every layer was checked against the type on its own, so binding the merge cannot meet a value it cannot convert.
        return builder.Build().Get<ModelConfig>() ?? new ModelConfig();
    }

    private static JsonObject Read(string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path), documentOptions: s_documentOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {ex.Message}", ex);
        }
        if (node is not JsonObject fields)
        {
            throw new InvalidDataException($"{path} must hold a JSON object.");
        }
        ModelConfig? typed;
        try
        {
            // Configuration holds every value as a string and would take "8" for 8 or ignore an object
            // where a number belongs; reading the layer as the type refuses both, naming this file.
            typed = fields.Deserialize<ModelConfig>(ModelConfig.SerializerOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
        if (typed?.VersionPolicy?.Specific is { Count: 0 })
        {
            // Bound, the empty list would read as no policy at all and be refused for setting none.
            throw new InvalidDataException($"{path}: {VersionPolicy.EmptySpecific}");
        }
        return fields;
    }

    /// <summary>
    /// Takes out of <paramref name="earlier"/> what <paramref name="later"/> replaces whole rather
    /// than merges: arrays (configuration would merge them index by index, so a shorter list would
    /// keep the earlier one's tail), nulls (back to the default) and values of another kind.
    /// </summary>
    private static void RemoveReplaced(JsonObject earlier, JsonObject later)
    {
        foreach (var (name, value) in later)
        {
            if (!earlier.TryGetPropertyValue(name, out var existing) || existing is null)
            {
                continue;
            }
            if (value is JsonObject laterObject && existing is JsonObject earlierObject)
            {
                RemoveReplaced(earlierObject, laterObject);
            }
            else if (value is null or JsonArray || existing is JsonArray or JsonObject || value is JsonObject)
            {
                earlier.Remove(name);
            }
        }
    }

    /// <summary>A null field means "not set" (the default); configuration would read it as an empty string.</summary>
    private static void RemoveNulls(JsonObject layer)
    {
        foreach (var name in layer.Where(p => p.Value is null).Select(p => p.Key).ToArray())
        {
            layer.Remove(name);
        }
        foreach (var (_, value) in layer)
        {
            if (value is JsonObject nested)
            {
                RemoveNulls(nested);
            }
        }
    }
}
