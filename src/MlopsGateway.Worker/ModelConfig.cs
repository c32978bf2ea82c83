using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlopsGateway.Worker;

/// <summary>
/// The optional <c>config.json</c> beside a <c>model.onnx</c>. Unknown fields are ignored so that
/// artefacts written for a newer worker still load.
/// </summary>
public sealed class ModelConfig
{
    /// <summary>File name looked for beside the model.</summary>
    public const string FileName = "config.json";

    /// <summary>What the model does, for people reading metadata and listings.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>Class names of a classifier's outputs, in output order; clients may use them to label answers.</summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>ONNX Runtime intra-op threads for this model; 0 lets ONNX Runtime choose.</summary>
    [JsonPropertyName("intra_op_threads")]
    public int IntraOpThreads { get; init; }

    /// <summary>Reads <paramref name="path"/>; a missing file gives the defaults.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON of this shape.</exception>
    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            return new ModelConfig();
        }
        try
        {
            var config = JsonSerializer.Deserialize<ModelConfig>(File.ReadAllText(path), SerializerOptions) ?? new ModelConfig();
            if (config.IntraOpThreads < 0)
            {
                throw new InvalidDataException($"{path}: intra_op_threads must be 0 (automatic) or more, not {config.IntraOpThreads}.");
            }
            return config;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not valid model configuration: {ex.Message}", ex);
        }
    }

    /// <summary>Writes this configuration to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, SerializerOptions));

    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
