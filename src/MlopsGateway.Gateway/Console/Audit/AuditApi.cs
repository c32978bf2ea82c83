using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;
using MlopsGateway.Registry.Rollouts;

namespace MlopsGateway.Gateway.Console.Audit;

/// <summary>One change of the audit trail, whatever it changed.</summary>
/// <param name="Kind"><c>route</c>, <c>key</c>, <c>registry</c> or <c>rollout</c>.</param>
/// <param name="At">When.</param>
/// <param name="By">Who.</param>
/// <param name="Action">What was done.</param>
/// <param name="Subject">What it was done to: a model (and version), or a key's id and name.</param>
/// <param name="Detail">The change, for people.</param>
internal sealed record AuditEntry(string Kind, DateTimeOffset At, string By, string Action, string Subject, string Detail);

/// <summary>
/// The audit trails of routes, keys, the registry and rollouts (each read and validated by its store), newest
/// first, filtered by kind, subject and who.
/// </summary>
internal sealed class AuditApi(RouteStore routes, ApiKeyStore keys, ModelRegistry registry, RolloutStore rollouts)
{
    public static IReadOnlyList<string> Kinds { get; } = ["route", "key", "registry", "rollout"];

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(string? kind, string? subject, string? by, int limit)
    {
        var entries = new List<AuditEntry>();
        if (kind is null or "route")
        {
            entries.AddRange((await routes.HistoryAsync(null, limit).ConfigureAwait(false)).Select(c => new AuditEntry(
                "route", c.At, c.By, c.After is null ? "removed" : c.Before is null ? "created" : "changed", c.Model,
                $"{c.Before?.Describe() ?? "none"} → {c.After?.Describe() ?? "none"}")));
        }
        if (kind is null or "key")
        {
            entries.AddRange((await keys.HistoryAsync(limit).ConfigureAwait(false)).Select(c => new AuditEntry(
                "key", c.At, c.By, c.Action, $"{c.Name} ({c.KeyId})",
                $"models {string.Join(", ", c.Models)}; scopes {string.Join(", ", c.Scopes ?? KeyScopes.Default)}"
                + (c.RatePerSecond is { } rate ? $"; {rate}/s" : ""))));
        }
        if (kind is null or "registry")
        {
            entries.AddRange((await registry.HistoryAsync(null, limit).ConfigureAwait(false)).Select(c => new AuditEntry(
                "registry", c.At, c.By, c.Action, c.Version is null ? c.Model : $"{c.Model} {c.Version}",
                c.Alias is null ? c.Detail : $"@{c.Alias}: {c.Detail}")));
        }
        if (kind is null or "rollout")
        {
            entries.AddRange((await rollouts.HistoryAsync(null, limit).ConfigureAwait(false)).Select(d => new AuditEntry(
                "rollout", d.At, d.By, d.Decision, $"{d.Model} {d.Canary}",
                $"{(d.DryRun ? "dry run, " : "")}against {d.Stable}; {d.Phase}, step {d.Step}, weight {d.Weight:0.###}: {d.Reason}"
                + (d.Verdicts.Count == 0 ? "" : $" ({string.Join("; ", d.Verdicts.Select(v => $"{v.Criterion} {v.Verdict}"))})"))));
        }
        return [.. entries
            .Where(e => subject is null || e.Subject.Contains(subject, StringComparison.OrdinalIgnoreCase))
            .Where(e => by is null || e.By.Contains(by, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(e => e.At)
            .Take(limit)];
    }
}
