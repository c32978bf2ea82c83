using MlopsGateway.Registry.Models;

namespace MlopsGateway.Registry.Baselines;

/// <summary>
/// What a baseline profile must hold before drift is scored against it or a worker counts into its
/// bins. A profile with fewer counts than bins would throw in every sketch, and one written by hand
/// could hold anything, so each is checked when read and before it is written; a fault names the field.
/// </summary>
internal static class BaselineChecks
{
    /// <summary>The first problem of <paramref name="profile"/>, stored for <paramref name="model"/> version <paramref name="version"/>; null when it is valid.</summary>
    public static string? Profile(string model, string version, BaselineProfile profile)
    {
        if (profile.Model != model)
        {
            return profile.Model is null ? "its model is missing" : $"its model '{profile.Model}' is not the one it is stored under ('{model}')";
        }
        if (profile.Version != version)
        {
            return profile.Version is null ? "its version is missing" : $"its version '{profile.Version}' is not the one it is stored under ('{version}')";
        }
        if (string.IsNullOrEmpty(profile.Input) || string.IsNullOrEmpty(profile.Source))
        {
            return "its input or source is missing";
        }
        if (profile.Rows < 1)
        {
            return $"its rows is {profile.Rows}, not at least 1";
        }
        if (profile.CreatedAt == default)
        {
            return "its created_at is missing";
        }
        if (profile.Features is null || profile.Features.Count == 0)
        {
            return "its features are missing (one profile per column of the input)";
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < profile.Features.Count; i++)
        {
            var feature = profile.Features[i];
            if (feature is null || string.IsNullOrEmpty(feature.Name))
            {
                return $"its features[{i}] has no name";
            }
            if (!names.Add(feature.Name))
            {
                return $"its feature name '{feature.Name}' is not unique";
            }
            if (Feature($"feature '{feature.Name}'", feature) is { } problem)
            {
                return problem;
            }
        }
        if (profile.Classes is null || profile.Classes.Any(string.IsNullOrEmpty))
        {
            return "its classes are missing (empty for a regressor) or one is empty";
        }
        if (profile.Prediction is { } prediction && Prediction(prediction, profile.Classes) is { } badPrediction)
        {
            return badPrediction;
        }
        return Sample(profile);
    }

    private static string? Prediction(FeatureProfile prediction, IReadOnlyList<string> classes)
    {
        if (prediction.Name != BaselineProfile.PredictionName)
        {
            return $"its prediction profile is named '{prediction.Name}', not '{BaselineProfile.PredictionName}'";
        }
        if (Feature("prediction", prediction) is { } problem)
        {
            return problem;
        }
        // Bin i of a classifier's prediction is class index i, so the classes and the categories are one list.
        if (prediction.Kind == FeatureKind.Categorical && !prediction.Categories.SequenceEqual(classes, StringComparer.Ordinal))
        {
            return "its prediction's categories are not its classes, in order";
        }
        return null;
    }

    private static string? Feature(string what, FeatureProfile feature)
    {
        if (!Enum.IsDefined(feature.Kind))
        {
            return $"its {what} has a kind that is not numeric or categorical";
        }
        if (feature.Edges is null || feature.Categories is null || feature.Counts is null)
        {
            return $"its {what} lacks edges, categories or counts (an empty list for none)";
        }
        if (feature.Kind == FeatureKind.Numeric)
        {
            if (feature.Categories.Count > 0)
            {
                return $"its {what} is numeric but has categories";
            }
            if (feature.Counts.Count != feature.Edges.Count + 1)
            {
                return $"its {what} has {feature.Counts.Count} counts for {feature.Edges.Count} edges; counts length must equal edges + 1";
            }
            for (var i = 0; i < feature.Edges.Count; i++)
            {
                if (!double.IsFinite(feature.Edges[i]) || (i > 0 && feature.Edges[i] <= feature.Edges[i - 1]))
                {
                    return $"its {what} has edges that are not finite and strictly ascending (edges[{i}])";
                }
            }
        }
        else
        {
            if (feature.Edges.Count > 0)
            {
                return $"its {what} is categorical but has edges";
            }
            if (feature.Counts.Count != feature.Categories.Count + 1)
            {
                return $"its {what} has {feature.Counts.Count} counts for {feature.Categories.Count} categories; counts length must equal categories + 1 (the last bin holds other values)";
            }
            if (feature.Categories.Any(string.IsNullOrEmpty) || feature.Categories.Distinct(StringComparer.Ordinal).Count() != feature.Categories.Count)
            {
                return $"its {what} has a category that is empty or repeated";
            }
        }
        if (feature.Counts.Any(c => c < 0))
        {
            return $"its {what} has a negative count";
        }
        if (!double.IsFinite(feature.Mean) || !double.IsFinite(feature.StdDev) || feature.StdDev < 0 || !double.IsFinite(feature.Min) || !double.IsFinite(feature.Max) || feature.Min > feature.Max)
        {
            return $"its {what} has a mean, std_dev, min or max that is not a finite number (std_dev at least 0, min at most max)";
        }
        return null;
    }

    private static string? Sample(BaselineProfile profile)
    {
        if (profile.Sample is null)
        {
            return "its sample is missing (an empty list for none)";
        }
        if (profile.Sample.Count > BaselineProfile.MaxSampleRows)
        {
            return $"its sample has {profile.Sample.Count} rows, more than {BaselineProfile.MaxSampleRows}";
        }
        for (var i = 0; i < profile.Sample.Count; i++)
        {
            if (profile.Sample[i] is not { } row || row.Count != profile.Features.Count)
            {
                return $"its sample row {i} is not as wide as the features ({profile.Features.Count} values)";
            }
        }
        if (profile.SamplePrediction is not { } predicted)
        {
            return null;
        }
        if (profile.Prediction is null || predicted.Count != profile.Sample.Count)
        {
            return profile.Prediction is null
                ? "its sample's predictions are given without the prediction's profile"
                : $"its sample has {profile.Sample.Count} rows and {predicted.Count} predictions";
        }
        var bins = profile.Prediction.Counts.Count;
        for (var i = 0; i < predicted.Count; i++)
        {
            if (predicted[i] < 0 || predicted[i] >= bins)
            {
                return $"its sample row {i}'s prediction bin {predicted[i]} is not one of the prediction's {bins} bins";
            }
        }
        return null;
    }

    /// <summary>Why <paramref name="model"/> and <paramref name="version"/> cannot name a baseline, or null.</summary>
    public static string? Names(string? model, string? version) => ModelNames.CheckModel(model) ?? ModelNames.CheckVersion(version);
}
