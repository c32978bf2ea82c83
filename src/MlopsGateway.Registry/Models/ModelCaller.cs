namespace MlopsGateway.Registry.Models;

/// <summary>One key that calls a model version, as <c>mlops models callers</c> lists it.</summary>
/// <param name="KeyId">The API key's id (or the JWT subject's, as the gateway names callers).</param>
/// <param name="Count">Calls counted.</param>
/// <param name="LastSeen">When the last one came.</param>
public sealed record ModelCaller(string KeyId, long Count, DateTimeOffset LastSeen);
