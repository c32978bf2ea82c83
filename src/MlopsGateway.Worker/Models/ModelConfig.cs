using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;

namespace MlopsGateway.Worker.Models;

/// <summary>
/// A model's <c>config.json</c>: one in the model folder applies to every version, one beside a
/// <c>model.onnx</c> overrides it for that version. Every field is optional; unknown fields are
/// ignored so that artefacts written for a newer worker still load.
/// </summary>
internal sealed class ModelConfig
{
    /// <summary>File name looked for in the model folder and beside each model.</summary>
    public const string FileName = "config.json";

    /// <summary>What the model does, for people reading metadata and listings.</summary>
    [JsonPropertyName("description")]
    [ConfigurationKeyName("description")]
    public string? Description { get; init; }

    /// <summary>Class names of a classifier's outputs, in output order; clients may use them to label answers.</summary>
    [JsonPropertyName("labels")]
    [ConfigurationKeyName("labels")]
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>
    /// Names of the columns of the model's <c>[rows, features]</c> input, in column order: what a baseline's
    /// training data must name its columns, and what drift reports call each feature. Left out: a baseline
    /// file's header names them.
    /// </summary>
    [JsonPropertyName("feature_names")]
    [ConfigurationKeyName("feature_names")]
    public IReadOnlyList<string>? FeatureNames { get; init; }

    /// <summary>The features (by name) whose values are category codes, counted by value in a baseline rather than binned by quantiles.</summary>
    [JsonPropertyName("categorical_features")]
    [ConfigurationKeyName("categorical_features")]
    public IReadOnlyList<string>? CategoricalFeatures { get; init; }

    /// <summary>ONNX Runtime intra-op threads for each instance; 0 shares the machine's cores among the instances.</summary>
    [JsonPropertyName("intra_op_threads")]
    [ConfigurationKeyName("intra_op_threads")]
    public int IntraOpThreads { get; init; }

    /// <summary>Let ONNX Runtime's idle threads spin for work (lower latency per run, but they take cores from the rest of the worker).</summary>
    [JsonPropertyName("allow_spinning")]
    [ConfigurationKeyName("allow_spinning")]
    public bool AllowSpinning { get; init; } = true;

    /// <summary>Most rows in one run; 0 turns batching off. Left out: 32 when the model can batch.</summary>
    [JsonPropertyName("max_batch_size")]
    [ConfigurationKeyName("max_batch_size")]
    public int? MaxBatchSize { get; init; }

    /// <summary>Microseconds the oldest request waits for others to join its batch (default 0: batches form from the backlog).</summary>
    [JsonPropertyName("max_queue_delay_us")]
    [ConfigurationKeyName("max_queue_delay_us")]
    public long MaxQueueDelayMicroseconds { get; init; }

    /// <summary>Batch sizes that run as soon as they can be formed.</summary>
    [JsonPropertyName("preferred_batch_sizes")]
    [ConfigurationKeyName("preferred_batch_sizes")]
    public IReadOnlyList<int>? PreferredBatchSizes { get; init; }

    /// <summary>Most requests waiting before new ones are refused with RESOURCE_EXHAUSTED (default 1024).</summary>
    [JsonPropertyName("max_queue_size")]
    [ConfigurationKeyName("max_queue_size")]
    public int MaxQueueSize { get; init; } = 1024;

    /// <summary>Runs that may execute at the same time (default 1).</summary>
    [JsonPropertyName("instances")]
    [ConfigurationKeyName("instances")]
    public int Instances { get; init; } = 1;

    /// <summary>Rewrite a fixed first dimension (a batch of 1) into a symbolic one so the model can batch.</summary>
    [JsonPropertyName("dynamic_batch_dim")]
    [ConfigurationKeyName("dynamic_batch_dim")]
    public bool DynamicBatchDim { get; init; }

    /// <summary><c>auto</c> (CUDA when present, else CPU), <c>cuda</c> or <c>cpu</c>.</summary>
    [JsonPropertyName("execution_provider")]
    [ConfigurationKeyName("execution_provider")]
    public string ExecutionProvider { get; init; } = "auto";

    /// <summary>CUDA settings, used when the CUDA provider is chosen.</summary>
    [JsonPropertyName("cuda")]
    [ConfigurationKeyName("cuda")]
    public CudaConfig Cuda { get; init; } = new();

    /// <summary>Which versions of the model to serve (model folder's config only).</summary>
    [JsonPropertyName("version_policy")]
    [ConfigurationKeyName("version_policy")]
    public VersionPolicy? VersionPolicy { get; init; }

    /// <summary>Expected SHA-256 (hex) of <c>model.onnx</c>; a mismatch refuses the version.</summary>
    [JsonPropertyName("sha256")]
    [ConfigurationKeyName("sha256")]
    public string? Sha256 { get; init; }

    /// <summary>
    /// Reads the configuration of one version: the model folder's file, overridden field by field
    /// (nested objects too; a list replaces a list whole) by the version folder's. Missing files give the defaults.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is not valid JSON of this shape, or a value is out of range.</exception>
    public static ModelConfig Load(string? modelLevelPath, string versionLevelPath)
    {
        var config = ModelConfigLayers.Merge([modelLevelPath, versionLevelPath]);
        var errors = config.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{versionLevelPath}: {string.Join(" ", errors)}");
        }
        return config;
    }

    /// <summary>Reads one file alone.</summary>
    public static ModelConfig Load(string path) => Load(null, path);

    /// <summary>Every problem with the values, at once.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (IntraOpThreads < 0)
        {
            errors.Add($"intra_op_threads must be 0 (automatic) or more, not {IntraOpThreads}.");
        }
        if (MaxBatchSize is < 0)
        {
            errors.Add($"max_batch_size must be 0 (no batching) or more, not {MaxBatchSize}.");
        }
        if (MaxQueueDelayMicroseconds < 0)
        {
            errors.Add($"max_queue_delay_us must be 0 or more, not {MaxQueueDelayMicroseconds}.");
        }
        if (PreferredBatchSizes is { } preferred && preferred.Any(p => p < 1 || (MaxBatchSize is > 0 && p > MaxBatchSize)))
        {
            errors.Add($"preferred_batch_sizes must be between 1 and max_batch_size: [{string.Join(", ", preferred)}].");
        }
        if (MaxQueueSize < 1)
        {
            errors.Add($"max_queue_size must be at least 1, not {MaxQueueSize}.");
        }
        if (Instances < 1)
        {
            errors.Add($"instances must be at least 1, not {Instances}.");
        }
        if (ExecutionProvider is not ("auto" or "cuda" or "cpu"))
        {
            errors.Add($"execution_provider must be auto, cuda or cpu, not '{ExecutionProvider}'.");
        }
        if (Cuda.CudnnConvAlgoSearch is not ("EXHAUSTIVE" or "HEURISTIC" or "DEFAULT"))
        {
            errors.Add($"cuda.cudnn_conv_algo_search must be EXHAUSTIVE, HEURISTIC or DEFAULT, not '{Cuda.CudnnConvAlgoSearch}'.");
        }
        if (Sha256 is { } sha && (sha.Length != 64 || !sha.All(Uri.IsHexDigit)))
        {
            errors.Add("sha256 must be 64 hex digits.");
        }
        errors.AddRange(FeatureProblems());
        if (VersionPolicy is { } policy)
        {
            errors.AddRange(policy.Validate());
        }
        return errors;
    }

    private IEnumerable<string> FeatureProblems()
    {
        if (FeatureNames is { } names && (names.Count == 0 || names.Any(string.IsNullOrWhiteSpace) || names.Distinct(StringComparer.Ordinal).Count() != names.Count))
        {
            yield return "feature_names must be non-empty names, each once.";
        }
        if (CategoricalFeatures is { } categorical)
        {
            if (categorical.Any(string.IsNullOrWhiteSpace) || categorical.Distinct(StringComparer.Ordinal).Count() != categorical.Count)
            {
                yield return "categorical_features must be non-empty names, each once.";
            }
            else if (FeatureNames is { } features && categorical.Where(c => !features.Contains(c, StringComparer.Ordinal)).ToList() is { Count: > 0 } unknown)
            {
                yield return $"categorical_features names {string.Join(", ", unknown)}, not in feature_names.";
            }
        }
    }

    /// <summary>Writes this configuration to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, SerializerOptions));

    /// <summary>How the file is read and written.</summary>
    internal static readonly JsonSerializerOptions SerializerOptions = new()
    {
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
