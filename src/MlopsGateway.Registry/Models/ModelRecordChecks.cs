namespace MlopsGateway.Registry.Models;

/// <summary>
/// What a version record read from Redis must hold before anyone acts on it. The registry writes
/// them, but anyone with access to Redis can write one by hand, and a missing hash or a path-like
/// version must not reach a worker (which would fetch the wrong file, or throw).
/// </summary>
internal static class ModelRecordChecks
{
    /// <summary>The first problem of <paramref name="record"/>, stored under <paramref name="model"/>'s field <paramref name="field"/>; null when it is valid.</summary>
    public static string? Version(string model, string field, ModelVersionRecord record)
    {
        if (record.Model != model)
        {
            return record.Model is null ? "its model is missing" : $"its model '{record.Model}' is not the one it is stored under ('{model}')";
        }
        if (record.Version != field)
        {
            return record.Version is null ? "its version is missing" : $"its version '{record.Version}' is not the field it is stored under";
        }
        if (ModelNames.CheckModel(model) is { } badModel)
        {
            return badModel;
        }
        if (ModelNames.CheckVersion(field) is { } badVersion)
        {
            return badVersion;
        }
        if (!IsSha256(record.Sha256))
        {
            return "its sha256 is not 64 lower-case hex digits";
        }
        if (record.Size < 0)
        {
            return $"its size {record.Size} is negative";
        }
        if (record.Artifact != ModelVersionRecord.ArtifactPath(model, field))
        {
            return $"its artifact is not {ModelVersionRecord.ArtifactPath(model, field)}";
        }
        if (!Enum.IsDefined(record.Status))
        {
            return "its status is not PENDING, READY or FAILED";
        }
        if (record.Status == ModelStatus.Failed && string.IsNullOrWhiteSpace(record.StatusReason))
        {
            return "its status is FAILED with no status_reason";
        }
        if (Signature(record.Signature, record.Status) is { } badSignature)
        {
            return badSignature;
        }
        if (record.Description is null || record.Labels is null || record.Labels.Any(string.IsNullOrEmpty))
        {
            return "its description or labels are missing (or a label is empty)";
        }
        if (record.Lineage is null)
        {
            return "its lineage is missing (an empty object for none)";
        }
        if (record.Lineage.TrainingDataSha256 is { } data && !IsSha256(data))
        {
            return "its lineage's training_data_sha256 is not 64 lower-case hex digits";
        }
        if (record.Metrics is null || record.Metrics.Any(m => string.IsNullOrEmpty(m.Key) || !double.IsFinite(m.Value)))
        {
            return "its metrics are missing, or one has no name or a value that is not a finite number";
        }
        if (string.IsNullOrWhiteSpace(record.CreatedBy) || record.CreatedAt == default)
        {
            return "its created_by or created_at is missing";
        }
        if (record.Deprecation is { } deprecation && (deprecation.Sunset == default || string.IsNullOrWhiteSpace(deprecation.By)))
        {
            return "its deprecation has no sunset or no by";
        }
        if (record.Deprecation?.Replacement is { } replacement && ModelNames.CheckVersion(replacement) is not null)
        {
            return "its deprecation's replacement is not a version";
        }
        if ((record.RetiredAt is null) != string.IsNullOrWhiteSpace(record.RetiredBy))
        {
            return "it has one of retired_at and retired_by without the other";
        }
        return null;
    }

    private static string? Signature(ModelSignature? signature, ModelStatus status)
    {
        if (signature?.Inputs is null || signature.Outputs is null)
        {
            return "its signature is missing (inputs and outputs)";
        }
        if (status == ModelStatus.Ready && (signature.Inputs.Count == 0 || signature.Outputs.Count == 0))
        {
            return "its status is READY but its signature has no inputs or no outputs";
        }
        foreach (var tensor in signature.Inputs.Concat(signature.Outputs))
        {
            if (tensor is null || string.IsNullOrEmpty(tensor.Name))
            {
                return "its signature has a tensor with no name";
            }
            if (string.IsNullOrEmpty(tensor.Datatype) || !tensor.Datatype.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)))
            {
                return $"its signature's tensor '{tensor.Name}' has no datatype name (FP32, INT64, ...)";
            }
            if (tensor.Shape is null || tensor.Shape.Any(d => d < -1))
            {
                return $"its signature's tensor '{tensor.Name}' has no shape, or a dimension under -1";
            }
        }
        return null;
    }

    public static bool IsSha256(string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigitLower);

    /// <summary>The first problem of a caller entry; null when it is valid.</summary>
    public static string? Caller(ModelCallerUse use) =>
        use.Count < 0 ? $"its count {use.Count} is negative" : use.LastSeen <= 0 ? "its lastSeen is not a Unix time in milliseconds" : null;
}
