using System.Globalization;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Alerts;

/// <summary>
/// Decides which of several gateways, each tracking the same alerts, posts a transition: the first
/// to claim it in Redis (SET NX). The episode firing now is held under the alert's key, so a gateway
/// that saw the start late ends the episode the first one started, under the same id.
/// </summary>
public sealed class AlertClaimStore(IConnectionMultiplexer redis, RedisKeys? keys = null)
{
    private readonly AlertKeys _keys = (keys ?? RedisKeys.Default).Alerts;

    /// <summary>
    /// Claims the start of <paramref name="episode"/> (<c>ALERT@unixSeconds</c>) of <paramref name="alert"/>, firing
    /// for <paramref name="ttl"/> unless renewed. Lost: another gateway started an episode that is still firing, named in the answer.
    /// </summary>
    public async Task<AlertClaim> ClaimStartAsync(string alert, string episode, TimeSpan ttl)
    {
        var db = redis.GetDatabase();
        var key = _keys.Firing(alert);
        if (await db.StringSetAsync(key, episode, ttl, When.NotExists).ConfigureAwait(false))
        {
            return new AlertClaim(true, episode, null);
        }
        var current = (string?)await db.StringGetAsync(key).ConfigureAwait(false);
        if (current is null)
        {
            // It ended between the two calls: this start is a new episode.
            return new AlertClaim(await db.StringSetAsync(key, episode, ttl, When.NotExists).ConfigureAwait(false), episode, null);
        }
        if (Problem(alert, current) is { } problem)
        {
            // Written by hand or by something else: a value that can never end would block every later start.
            await db.StringSetAsync(key, episode, ttl).ConfigureAwait(false);
            return new AlertClaim(true, episode, new RecordFault(key, problem));
        }
        return new AlertClaim(false, current, null);
    }

    /// <summary>Keeps the episode firing now for another <paramref name="ttl"/>, unless it is no longer <paramref name="episode"/>.</summary>
    public async Task RenewAsync(string alert, string episode, TimeSpan ttl)
    {
        var key = _keys.Firing(alert);
        var transaction = redis.GetDatabase().CreateTransaction();
        transaction.AddCondition(Condition.StringEqual(key, episode));
        _ = transaction.KeyExpireAsync(key, ttl);
        await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Claims the end of the episode of <paramref name="alert"/> firing now (another gateway's, if it
    /// started it). Lost: another gateway ended it first, or none is firing.
    /// </summary>
    public async Task<AlertClaim> ClaimEndAsync(string alert, string episode, TimeSpan claimTtl)
    {
        var db = redis.GetDatabase();
        var key = _keys.Firing(alert);
        var current = (string?)await db.StringGetAsync(key).ConfigureAwait(false);
        if (current is null)
        {
            return new AlertClaim(false, episode, null);
        }
        RecordFault? fault = null;
        if (Problem(alert, current) is { } problem)
        {
            fault = new RecordFault(key, problem);
            current = episode;
        }
        if (!await db.StringSetAsync(_keys.Claim(current + ":ended"), "1", claimTtl, When.NotExists).ConfigureAwait(false))
        {
            return new AlertClaim(false, current, fault);
        }
        var transaction = db.CreateTransaction();
        transaction.AddCondition(fault is null ? Condition.StringEqual(key, current) : Condition.KeyExists(key));
        _ = transaction.KeyDeleteAsync(key);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        return new AlertClaim(true, current, fault);
    }

    /// <summary>When <paramref name="episode"/> started, from its name (<c>ALERT@unixSeconds</c>).</summary>
    public static DateTimeOffset StartOf(string episode) =>
        DateTimeOffset.FromUnixTimeSeconds(long.Parse(episode.AsSpan(episode.LastIndexOf('@') + 1), NumberStyles.None, CultureInfo.InvariantCulture));

    private static string? Problem(string alert, string value) =>
        value.StartsWith(alert + "@", StringComparison.Ordinal)
        && long.TryParse(value.AsSpan(alert.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && seconds is >= 0 and < 253402300800
            ? null
            : $"it is not an episode of alert {alert} ({alert}@UNIX-SECONDS)";
}

/// <summary>The answer to a claim.</summary>
/// <param name="Won">Whether this caller claimed the transition (and posts it).</param>
/// <param name="Episode">The episode the transition belongs to.</param>
/// <param name="Fault">A value found in Redis that was not an episode, replaced.</param>
public sealed record AlertClaim(bool Won, string Episode, RecordFault? Fault);
