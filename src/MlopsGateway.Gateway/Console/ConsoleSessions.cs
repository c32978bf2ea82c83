using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;

namespace MlopsGateway.Gateway.Console;

/// <summary>
/// The secrets of signed-in console keys, in this gateway's memory only: a random session id (the
/// <see cref="ConsoleClaims.Session"/> claim of the cookie) maps to the key's secret until the session
/// expires or signs out. The secret is never in the cookie, never logged, never sent to the browser.
/// </summary>
/// <remarks>
/// <para>
/// For the playground (and anything else in the console that calls the model): inject this service and
/// call <see cref="SecretOf(ClaimsPrincipal)"/> with the request's <c>HttpContext.User</c>; send what it returns as the
/// <c>x-api-key</c> metadata of a gRPC call to this gateway's own listener, so that the call passes
/// the same authentication, scopes, quota and metrics as any caller's. Null means the session is over
/// (expired, signed out, or the gateway restarted): answer 401 and let the person sign in again.
/// </para>
/// <para>
/// Sessions are per gateway process: behind several gateways a browser must stick to one (its cookie is
/// protected with this process's keys too, so another gateway rejects it and asks for a sign-in).
/// </para>
/// </remarks>
internal sealed class ConsoleSessions(TimeProvider time)
{
    /// <summary>Most sessions held at once; beyond it the oldest are dropped (those people sign in again).</summary>
    public const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    /// <summary>Sessions held now (expired ones included until the next sweep).</summary>
    public int Count => _sessions.Count;

    /// <summary>Keeps <paramref name="secret"/> until <paramref name="expiresAt"/>; returns the new session's id.</summary>
    public string Open(string secret, DateTimeOffset expiresAt)
    {
        Sweep();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _sessions[id] = new Session(secret, expiresAt);
        return id;
    }

    /// <summary>The secret of the key signed in as <paramref name="user"/>, or null when its session is over.</summary>
    public string? SecretOf(ClaimsPrincipal user) =>
        user.FindFirst(ConsoleClaims.Session)?.Value is { } id ? SecretOf(id) : null;

    /// <summary>The secret kept for session <paramref name="id"/>, or null when it is over.</summary>
    public string? SecretOf(string id)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return null;
        }
        if (time.GetUtcNow() >= session.ExpiresAt)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }
        return session.Secret;
    }

    /// <summary>Forgets session <paramref name="id"/> (a sign-out, or a key revoked meanwhile).</summary>
    public void Close(string? id)
    {
        if (id is not null)
        {
            _sessions.TryRemove(id, out _);
        }
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (id, session) in _sessions)
        {
            if (now >= session.ExpiresAt)
            {
                _sessions.TryRemove(id, out _);
            }
        }
        if (_sessions.Count >= MaxSessions)
        {
            foreach (var (id, _) in _sessions.OrderBy(s => s.Value.ExpiresAt).Take(_sessions.Count - MaxSessions + 1))
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private sealed record Session(string Secret, DateTimeOffset ExpiresAt);
}
