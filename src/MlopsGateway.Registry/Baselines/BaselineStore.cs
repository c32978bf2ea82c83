using System.Text.Json;
using MlopsGateway.Registry.Internal;
using MlopsGateway.Registry.Models;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Baselines;

/// <summary>
/// Model versions' baseline profiles in Redis, one string per version
/// (<see cref="BaselineKeys.Profile"/>, <c>{ns}:model:M:baseline:V</c>), replaced whole. DI-free.
/// Every profile is checked before it is written and when it is read: counts as many as the bins,
/// edges ascending and finite, feature names unique, sample rows as wide as the features.
/// </summary>
public sealed class BaselineStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    /// <summary>A store over <paramref name="redis"/> in the namespace of <paramref name="keys"/> (the default one when null).</summary>
    public BaselineStore(IConnectionMultiplexer redis, RedisKeys? keys = null)
    {
        _redis = redis;
        _keys = keys ?? RedisKeys.Default;
    }

    /// <summary>The keys this store uses.</summary>
    public BaselineKeys Keys => _keys.Baselines;

    /// <summary>The baseline of version <paramref name="version"/> of <paramref name="model"/>, or null when it has none.</summary>
    /// <exception cref="ModelRegistryException">A profile is stored but cannot be used; its <see cref="ModelRegistryException.Fault"/> names the key and the field.</exception>
    public async Task<BaselineProfile?> GetAsync(string model, string version)
    {
        var key = Keys.Profile(model, version);
        var value = await _redis.GetDatabase().StringGetAsync(key).ConfigureAwait(false);
        if (!RedisJson.TryRead<BaselineProfile>(value, out var profile, out var fault))
        {
            throw Unusable(new RecordFault(key, fault!));
        }
        if (profile is not null && BaselineChecks.Profile(model, version, profile) is { } problem)
        {
            throw Unusable(new RecordFault(key, problem));
        }
        return profile;
    }

    /// <summary>
    /// Stores <paramref name="profile"/> as its version's baseline, replacing one there, and announces
    /// the model on the registry's change channel (<see cref="ModelKeys.Changed"/>) so that workers
    /// serving the version start counting into its bins.
    /// </summary>
    /// <exception cref="ArgumentException">The profile is not valid (the message names the field) or its model or version is not a name.</exception>
    public async Task SetAsync(BaselineProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if ((BaselineChecks.Names(profile.Model, profile.Version) ?? BaselineChecks.Profile(profile.Model, profile.Version, profile)) is { } problem)
        {
            throw new ArgumentException($"The baseline of '{profile.Model}' version {profile.Version} cannot be stored: {problem}.", nameof(profile));
        }
        await _redis.GetDatabase().StringSetAsync(Keys.Profile(profile.Model, profile.Version), JsonSerializer.Serialize(profile)).ConfigureAwait(false);
        await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(_keys.Models.Changed), profile.Model).ConfigureAwait(false);
    }

    private static ModelRegistryException Unusable(RecordFault fault) =>
        new($"The baseline at {fault.Key} cannot be used: {fault.Fault}. Store it again (mlops models push --baseline) or remove it in Redis.", fault);
}
