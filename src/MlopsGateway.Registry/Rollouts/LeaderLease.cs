using System.Globalization;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Rollouts;

/// <summary>
/// The rollout controllers' leader lease: at most one gateway holds it at a time (SET NX PX), each
/// hold under a fencing token taken from INCR of <see cref="RolloutKeys.Fence"/>, so tokens only
/// rise and a write made under an older hold can be told from a newer one. Renewal is conditioned
/// on still holding it; a renewal that finds another holder, or none that succeeds before the
/// lease would have expired, is a loss. Every rollout state write is conditioned on the hold
/// (<see cref="RolloutStore.WriteAsLeaderAsync"/>), so a leader that lost the lease without knowing
/// (a long pause) cannot overwrite what its successor wrote.
/// </summary>
public sealed class LeaderLease
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RolloutKeys _keys;
    private readonly TimeProvider _time;
    private LeaseHold? _held;
    private DateTimeOffset _validUntil;

    /// <summary>A lease contender named <paramref name="holder"/>, holding for <paramref name="ttl"/> per renewal.</summary>
    public LeaderLease(IConnectionMultiplexer redis, string holder, TimeSpan ttl, RedisKeys? keys = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        if (holder.Contains(' ', StringComparison.Ordinal))
        {
            throw new ArgumentException("A lease holder's name has no spaces.", nameof(holder));
        }
        _redis = redis;
        Holder = holder;
        Ttl = ttl;
        _keys = (keys ?? RedisKeys.Default).Rollouts;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>This contender's name.</summary>
    public string Holder { get; }

    /// <summary>How long a hold lasts without renewal.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>The hold, while it is certainly still this contender's (renewed within <see cref="Ttl"/>); null otherwise.</summary>
    public LeaseHold? Held => _held is not null && _time.GetUtcNow() < _validUntil ? _held : null;

    /// <summary>
    /// Renews the hold, or takes the lease when nobody holds it. Returns the hold, or null when another
    /// contender holds the lease; Lost is true when this contender held it and no longer does.
    /// </summary>
    public async Task<(LeaseHold? Hold, bool Lost)> RefreshAsync()
    {
        var db = _redis.GetDatabase();
        var started = _time.GetUtcNow();
        if (_held is { } held)
        {
            var renewal = db.CreateTransaction();
            renewal.AddCondition(Condition.StringEqual(_keys.Lease, held.Value));
            _ = renewal.KeyExpireAsync(_keys.Lease, Ttl);
            if (await renewal.ExecuteAsync().ConfigureAwait(false))
            {
                _validUntil = started + Ttl;
                return (held, false);
            }
            _held = null;
            return (await TakeAsync(db, started).ConfigureAwait(false), true);
        }
        return (await TakeAsync(db, started).ConfigureAwait(false), false);
    }

    /// <summary>Gives the lease up (on a clean stop), so another contender takes it without waiting for it to expire.</summary>
    public async Task ReleaseAsync()
    {
        if (_held is not { } held)
        {
            return;
        }
        _held = null;
        // A WATCHed transaction rather than a compare-and-delete: that needs Redis 8.4, and the tests and
        // 'mlops up' run older servers and Garnet.
#pragma warning disable SER301
        var release = _redis.GetDatabase().CreateTransaction();
        release.AddCondition(Condition.StringEqual(_keys.Lease, held.Value));
        _ = release.KeyDeleteAsync(_keys.Lease);
#pragma warning restore SER301
        await release.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Who holds the lease now, or null when nobody does (or what is stored is not a hold).</summary>
    public static async Task<LeaseHold?> CurrentAsync(IConnectionMultiplexer redis, RedisKeys? keys = null) =>
        LeaseHold.Parse(await redis.GetDatabase().StringGetAsync((keys ?? RedisKeys.Default).Rollouts.Lease).ConfigureAwait(false));

    private async Task<LeaseHold?> TakeAsync(IDatabase db, DateTimeOffset started)
    {
        // Only a free lease costs a token: contenders polling a held one do not run the counter up.
        if (await db.KeyExistsAsync(_keys.Lease).ConfigureAwait(false))
        {
            return null;
        }
        var token = await db.StringIncrementAsync(_keys.Fence).ConfigureAwait(false);
        var hold = new LeaseHold(token, Holder);
        if (!await db.StringSetAsync(_keys.Lease, hold.Value, Ttl, When.NotExists).ConfigureAwait(false))
        {
            return null;
        }
        _held = hold;
        _validUntil = started + Ttl;
        return hold;
    }
}

/// <summary>One hold of the leader lease: its fencing token and holder, stored as <c>TOKEN HOLDER</c>.</summary>
/// <param name="Token">The fencing token, higher for every later hold.</param>
/// <param name="Holder">The contender holding it (a gateway's name).</param>
public sealed record LeaseHold(long Token, string Holder)
{
    /// <summary>The lease key's value while this hold lasts.</summary>
    public string Value => Token.ToString(CultureInfo.InvariantCulture) + " " + Holder;

    /// <summary>The hold stored as <paramref name="value"/>, or null when it is none.</summary>
    public static LeaseHold? Parse(RedisValue value)
    {
        var text = (string?)value;
        var space = text?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        return space > 0 && long.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var token) && space < text!.Length - 1
            ? new LeaseHold(token, text[(space + 1)..])
            : null;
    }
}
