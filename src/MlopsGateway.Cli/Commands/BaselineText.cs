using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MlopsGateway.Cli.Commands;

/// <summary>How the registry's commands print a version's baseline: a line after a push, a summary in <c>models show M V</c>.</summary>
internal static class BaselineText
{
    /// <summary>The line a push with <c>--baseline</c> prints.</summary>
    public static string Stored(BaselineProfile profile, string? predictionSkipped) =>
        string.Create(CultureInfo.InvariantCulture,
            $"Stored the baseline of version {profile.Version}: {profile.Rows} rows from {profile.Source}, {profile.Features.Count} features ({string.Join(", ", profile.Features.Select(f => f.Name))}), prediction {Prediction(profile)}{(predictionSkipped is null ? "" : $" ({predictionSkipped})")}.");

    /// <summary>The version's baseline, or null when it has none; one that cannot be used is named on the error output and shown as none.</summary>
    public static async Task<BaselineProfile?> ReadAsync(ParseResult parse, BaselineStore baselines, ModelVersionRecord record)
    {
        try
        {
            return await baselines.GetAsync(record.Model, record.Version).ConfigureAwait(false);
        }
        catch (ModelRegistryException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The record's JSON with its baseline added as <c>baseline</c> (null for none), so scripts reading the record's fields keep working.</summary>
    public static JsonObject WithBaseline(ModelVersionRecord record, BaselineProfile? baseline)
    {
        var json = JsonSerializer.SerializeToNode(record)!.AsObject();
        json["baseline"] = baseline is null ? null : JsonSerializer.SerializeToNode(baseline);
        return json;
    }

    /// <summary>Rows, source and, per feature, its kind, bins, mean and standard deviation; a line saying how to add one when there is none.</summary>
    public static IRenderable Summary(BaselineProfile? profile)
    {
        if (profile is null)
        {
            return new Text("baseline: none (mlops models push FILE --model M --baseline TRAINING.csv stores one)" + Environment.NewLine);
        }
        var table = RegistryOutput.Table("FEATURE", "KIND", "BINS", "MEAN", "SD", "MIN", "MAX");
        foreach (var f in profile.Features)
        {
            var numeric = f.Kind == FeatureKind.Numeric;
            table.Row(f.Name, numeric ? "numeric" : "categorical", f.BinCount.ToString(CultureInfo.InvariantCulture),
                Number(f.Mean), Number(f.StdDev), numeric ? Number(f.Min) : "", numeric ? Number(f.Max) : "");
        }
        var heading = string.Create(CultureInfo.InvariantCulture,
            $"baseline: {profile.Rows} rows from {profile.Source}, input '{profile.Input}', made {RegistryOutput.When(profile.CreatedAt)} UTC; prediction {Prediction(profile)}");
        return new Rows(new Text(heading), table);
    }

    private static string Prediction(BaselineProfile profile) => profile.Prediction switch
    {
        null => "not profiled",
        { Kind: FeatureKind.Categorical } p => "shares " + string.Join(", ", p.Categories.Select((c, i) =>
            string.Create(CultureInfo.InvariantCulture, $"{c} {100.0 * p.Counts[i] / Math.Max(1, profile.Rows):0.#}%"))),
        var p => string.Create(CultureInfo.InvariantCulture, $"values {Number(p.Min)} to {Number(p.Max)}, mean {Number(p.Mean)}, {p.BinCount} quantile bins"),
    };

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
