using System.Globalization;
using MlopsGateway.Registry.Models;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MlopsGateway.Cli.Commands;

/// <summary>A version record in words, for the registry's tables.</summary>
internal static class ModelText
{
    public static string Status(ModelVersionRecord record) => record.IsRetired ? "RETIRED" : record.Status switch
    {
        ModelStatus.Pending => "PENDING",
        ModelStatus.Ready => "READY",
        _ => "FAILED",
    };

    public static string AliasesOf(IReadOnlyDictionary<string, string> aliases, string version) =>
        string.Join(", ", aliases.Where(a => a.Value == version).Select(a => "@" + a.Key));

    public static string Deprecation(ModelVersionRecord record) => record.Deprecation is { } d
        ? $"sunset {RegistryOutput.When(d.Sunset)} UTC{(d.Replacement is null ? "" : ", use " + d.Replacement)}"
        : "";

    /// <summary>Every field of one version, two columns.</summary>
    public static IRenderable Detail(ModelVersionRecord r, string aliases)
    {
        var grid = new Grid().AddColumn().AddColumn();
        void Add(string name, string? value) => grid.AddRow(new Text(name), new Text(value ?? ""));
        Add("model", r.Model);
        Add("version", r.Version);
        Add("status", Status(r) + (r.StatusReason is { } reason ? ": " + reason : ""));
        Add("sha256", r.Sha256);
        Add("size", r.Size.ToString(CultureInfo.InvariantCulture) + " bytes");
        Add("artifact", r.Artifact);
        Add("aliases", aliases);
        foreach (var input in r.Signature.Inputs)
        {
            Add("input", input.Describe());
        }
        foreach (var output in r.Signature.Outputs)
        {
            Add("output", output.Describe());
        }
        Add("description", r.Description);
        Add("labels", string.Join(", ", r.Labels));
        Add("source", r.Lineage.Source);
        Add("run id", r.Lineage.RunId);
        Add("parent", r.Lineage.Parent);
        Add("training data", r.Lineage.TrainingDataSha256);
        foreach (var metric in r.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            Add("metric", string.Create(CultureInfo.InvariantCulture, $"{metric.Key} = {metric.Value}"));
        }
        Add("created", $"{RegistryOutput.When(r.CreatedAt)} UTC by {r.CreatedBy}");
        if (r.Deprecation is { } d)
        {
            Add("deprecated", $"{RegistryOutput.When(d.At)} UTC by {d.By}{(d.Note is null ? "" : ": " + d.Note)}");
            Add("sunset", RegistryOutput.When(d.Sunset) + " UTC");
            Add("replacement", d.Replacement);
        }
        if (r.RetiredAt is { } retired)
        {
            Add("retired", $"{RegistryOutput.When(retired)} UTC by {r.RetiredBy}");
        }
        return grid;
    }
}
