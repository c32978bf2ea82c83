namespace MlopsGateway.Registry;

/// <summary>The Redis key names and channels the project uses: one place, so that every role agrees.</summary>
public static class RedisKeys
{
    /// <summary>Hash: field = key hash, value = <see cref="ApiKeyRecord"/> as JSON.</summary>
    public const string ApiKeys = "mlops:keys";

    /// <summary>Pub/sub channel announcing that the key set changed; the message is the changed key's id.</summary>
    public const string ApiKeysChanged = "mlops:keys:changed";
}
