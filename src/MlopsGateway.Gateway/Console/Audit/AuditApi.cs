using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Gateway.Console.Audit;

/// <summary>One change of the audit trail, whatever it changed.</summary>
/// <param name="Kind"><c>route</c>, <c>key</c> or <c>registry</c>.</param>
/// <param name="At">When.</param>
/// <param name="By">Who.</param>
/// <param name="Action">What was done.</param>
/// <param name="Subject">What it was done to: a model (and version), or a key's id and name.</param>
/// <param name="Detail">The change, for people.</param>
internal sealed record AuditEntry(string Kind, DateTimeOffset At, string By, string Action, string Subject, string Detail);

/// <summary>
/// The audit trails of routes, keys and the registry (each read and validated by its store), newest
/// first, filtered by kind, subject and who.
/// </summary>
internal sealed class AuditApi(RouteStore routes, ApiKeyStore keys, ModelRegistry registry)
{
    public static IReadOnlyList<string> Kinds { get; } = ["route", "key", "registry"];

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
        return [.. entries
            .Where(e => subject is null || e.Subject.Contains(subject, StringComparison.OrdinalIgnoreCase))
            .Where(e => by is null || e.By.Contains(by, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(e => e.At)
            .Take(limit)];
    }
}
