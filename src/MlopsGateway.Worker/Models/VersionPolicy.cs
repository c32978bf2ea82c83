using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;

namespace MlopsGateway.Worker.Models;

/// <summary>
/// Which versions of a model a worker serves: <c>{"latest": N}</c> (the N highest numbers),
/// <c>{"all": true}</c> (the default), or <c>{"specific": ["1", "3"]}</c>. Exactly one may be set.
/// </summary>
internal sealed class VersionPolicy
{
    [JsonPropertyName("latest")]
    [ConfigurationKeyName("latest")]
    public int? Latest { get; init; }

    [JsonPropertyName("all")]
    [ConfigurationKeyName("all")]
    public bool? All { get; init; }

    [JsonPropertyName("specific")]
    [ConfigurationKeyName("specific")]
    public IReadOnlyList<string>? Specific { get; init; }

    /// <summary>The refusal of <c>"specific": []</c>.</summary>
    internal const string EmptySpecific = "version_policy.specific must name at least one version.";

    /// <summary>The versions to serve out of <paramref name="available"/>, which is sorted oldest first.</summary>
    public IReadOnlyList<string> Select(IReadOnlyList<string> available)
    {
        if (Latest is { } latest)
        {
            return available.Skip(Math.Max(0, available.Count - latest)).ToArray();
        }
        if (Specific is { } specific)
        {
            return available.Where(specific.Contains).ToArray();
        }
        return available;
    }

    /// <summary>Problems with the policy.</summary>
    public IEnumerable<string> Validate()
    {
        var set = (Latest is not null ? 1 : 0) + (All is not null ? 1 : 0) + (Specific is not null ? 1 : 0);
        if (set != 1)
        {
            yield return "version_policy must set exactly one of latest, all, specific.";
        }
        if (Latest is < 1)
        {
            yield return $"version_policy.latest must be at least 1, not {Latest}.";
        }
        if (Specific is { Count: 0 })
        {
            yield return EmptySpecific;
        }
    }

    /// <summary>Describes the policy, e.g. "latest 2".</summary>
    public override string ToString() =>
        Latest is { } latest ? $"latest {latest}" : Specific is { } specific ? $"specific [{string.Join(", ", specific)}]" : "all";
}
