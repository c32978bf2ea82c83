using MlopsGateway.Registry;
using MlopsGateway.Registry.Models;

namespace MlopsGateway.Gateway.Console.Models;

/// <summary>Every model the gateway knows (the registry's, the routes', the workers'), as <c>/console/api/models</c> returns them.</summary>
/// <param name="Models">By name.</param>
/// <param name="Faults">Records skipped as unreadable, with why.</param>
internal sealed record ModelsView(IReadOnlyList<ModelView> Models, IReadOnlyList<RecordFault> Faults);

/// <summary>One model.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Route">Its route as stored (aliases unresolved), or null when it has none (calls get the highest version served).</param>
/// <param name="Aliases">Its aliases (without <c>@</c>) and the versions they name.</param>
/// <param name="Versions">Its versions, oldest first.</param>
internal sealed record ModelView(string Name, RouteRecord? Route, IReadOnlyDictionary<string, string> Aliases, IReadOnlyList<VersionView> Versions);

/// <summary>
/// One version: the registry's record (null fields when the version is served but was never pushed
/// to the registry), the workers serving it and the keys calling it.
/// </summary>
internal sealed record VersionView(
    string Version,
    bool Registered,
    ModelStatus? Status,
    string? StatusReason,
    string? Sha256,
    long? Size,
    ModelSignature? Signature,
    string? Description,
    IReadOnlyList<string>? Labels,
    ModelLineage? Lineage,
    IReadOnlyDictionary<string, double>? Metrics,
    string? CreatedBy,
    DateTimeOffset? CreatedAt,
    ModelDeprecation? Deprecation,
    DateTimeOffset? RetiredAt,
    string? RetiredBy,
    IReadOnlyList<string> Aliases,
    int Workers,
    IReadOnlyList<CallerView> Callers);

/// <summary>A key that calls a version, as the gateways counted it.</summary>
/// <param name="KeyId">The key's id (or <c>jwt:</c> and a token's subject).</param>
/// <param name="KeyName">The key's name, or null when no key has that id now (revoked, or a token).</param>
/// <param name="Count">Calls counted.</param>
/// <param name="LastSeen">When the last came.</param>
internal sealed record CallerView(string KeyId, string? KeyName, long Count, DateTimeOffset LastSeen);
