using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// The Redis the tests use: the server named by MLOPS_TEST_REDIS (CI starts a Debian redis-server),
/// otherwise one embedded Garnet server shared by the whole run.
/// </summary>
public static class TestRedis
{
    /// <summary>Environment variable holding a Redis connection string for the tests.</summary>
    public const string Variable = "MLOPS_TEST_REDIS";

    private static readonly Lazy<string> s_address = new(() =>
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        // Lives for the test process; the OS reclaims it at exit.
        return EmbeddedRedisServer.Start().ConnectionString;
    });

    /// <summary>The connection string.</summary>
    public static string Address => s_address.Value;

    /// <summary>Whether the tests run against a real Redis server rather than embedded Garnet.</summary>
    public static bool IsExternal => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable));

    private static int s_lastDatabase;

    /// <summary>A new connection; dispose it.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync() => RedisConnector.ConnectAsync(Address);

    /// <summary>
    /// A connection to a database of its own (1-15, in turn), for a stack whose workers must not be
    /// discovered by other tests' gateways: registrations, routes and keys are per database.
    /// </summary>
    public static Task<ConnectionMultiplexer> ConnectIsolatedAsync()
    {
        var database = (Interlocked.Increment(ref s_lastDatabase) % 15) + 1;
        return RedisConnector.ConnectAsync($"{Address},defaultDatabase={database}");
    }
}
