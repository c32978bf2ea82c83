using MlopsGateway.Registry;

namespace MlopsGateway.Gateway.Console.Keys;

/// <summary>A key as the console lists it: never its secret, nor its hash.</summary>
internal sealed record KeyView(
    string Id, string Name, IReadOnlyList<string> Models, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt,
    double? RatePerSecond, int? Burst, int? MaxInFlight)
{
    public static KeyView Of(ApiKeyRecord key) =>
        new(key.Id, key.Name, key.Models, key.EffectiveScopes, key.CreatedAt, key.RatePerSecond, key.Burst, key.MaxInFlight);
}

/// <summary>What the create form sends.</summary>
/// <param name="Name">The key's name.</param>
/// <param name="Scopes">Its scopes; none: <c>infer</c>.</param>
/// <param name="Models">The models it may call; none: every model.</param>
internal sealed record KeyRequest(string? Name, IReadOnlyList<string>? Scopes, IReadOnlyList<string>? Models);

/// <summary>The keys page: the list for every signed-in key; creating (the secret answered once) and revoking for <c>admin</c> keys.</summary>
internal sealed class KeysApi(ApiKeyStore store)
{
    public async Task<IReadOnlyList<KeyView>> ListAsync() => [.. (await store.ListAsync().ConfigureAwait(false)).Select(KeyView.Of)];

    /// <summary>The new key and its secret (the only copy), or why it was refused.</summary>
    public async Task<(KeyView? Key, string? Secret, string? Problem)> CreateAsync(KeyRequest request, string by)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return (null, null, "Give the key a name (who or what will use it).");
        }
        try
        {
            var (record, secret) = await store.CreateAsync(request.Name.Trim(), request.Models ?? [], by: by,
                scopes: request.Scopes is { Count: > 0 } scopes ? scopes : null).ConfigureAwait(false);
            return (KeyView.Of(record), secret, null);
        }
        catch (ArgumentException ex)
        {
            return (null, null, ex.Message);
        }
    }

    /// <summary>Revokes the key with id <paramref name="id"/>; null when there is none, else whether it was revoked (false: its id is another key's name).</summary>
    public async Task<bool?> RevokeAsync(string id, string by)
    {
        var keys = await store.ListAsync().ConfigureAwait(false);
        if (!keys.Any(k => k.Id == id))
        {
            return null;
        }
        // The store revokes by id or name: a key named like this id would go too, so that is refused.
        if (keys.Any(k => k.Name == id && k.Id != id))
        {
            return false;
        }
        await store.RevokeAsync(id, by).ConfigureAwait(false);
        return true;
    }
}
