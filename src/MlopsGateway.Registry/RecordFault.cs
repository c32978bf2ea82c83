namespace MlopsGateway.Registry;

/// <summary>
/// A record in Redis that could not be used and was skipped: where it is and what is wrong with it.
/// Neither names a secret (an API key's field, its secret's hash, is shortened).
/// </summary>
/// <param name="Key">The Redis key (and hash field) holding it, e.g. <c>mlops:worker:w1</c> or <c>mlops:routes field propensity</c>.</param>
/// <param name="Fault">What is wrong with it, e.g. <c>its address is not an http:// or https:// URL</c>.</param>
public sealed record RecordFault(string Key, string Fault);
