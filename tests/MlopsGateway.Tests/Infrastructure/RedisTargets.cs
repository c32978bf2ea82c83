using MlopsGateway.Registry;
using StackExchange.Redis;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// The servers store tests run against, as theory data: the embedded Garnet always; a standalone
/// redis-server when <see cref="TestRedis.Variable"/> is set; a Redis Cluster when
/// <see cref="ClusterVariable"/> is set (<c>.ci/run</c> sets both). Each row is the target's name,
/// so the test output says what each run went against. Tests keep apart on a shared server by
/// using a namespace of their own (<see cref="NewKeys"/>).
/// </summary>
public static class RedisTargets
{
    /// <summary>Environment variable holding a Redis Cluster's endpoints, e.g. <c>127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002</c>.</summary>
    public const string ClusterVariable = "MLOPS_TEST_REDIS_CLUSTER";

    public const string Garnet = "garnet";
    public const string Standalone = "redis";
    public const string Cluster = "redis-cluster";

    private static readonly Lazy<EmbeddedRedisServer> s_garnet = new(() => EmbeddedRedisServer.Start());

    /// <summary>The targets present in this run, one theory row each.</summary>
    public static TheoryData<string> All
    {
        get
        {
            var data = new TheoryData<string> { Garnet };
            if (TestRedis.IsExternal)
            {
                data.Add(Standalone);
            }
            if (ClusterAddress is not null)
            {
                data.Add(Cluster);
            }
            return data;
        }
    }

    /// <summary>The cluster's endpoints, or null when <see cref="ClusterVariable"/> is not set.</summary>
    public static string? ClusterAddress =>
        Environment.GetEnvironmentVariable(ClusterVariable) is { Length: > 0 } value ? value : null;

    /// <summary>The connection string of <paramref name="target"/>.</summary>
    public static string Address(string target) => target switch
    {
        Garnet => s_garnet.Value.ConnectionString,
        Standalone => TestRedis.Address,
        Cluster => ClusterAddress ?? throw new InvalidOperationException($"{ClusterVariable} is not set."),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "not a test target"),
    };

    /// <summary>A new connection to <paramref name="target"/>; dispose it.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string target) => RedisConnector.ConnectAsync(Address(target));

    /// <summary>A namespace no other test uses.</summary>
    public static RedisKeys NewKeys(string prefix = "t") => new($"{prefix}-{Guid.NewGuid():N}"[..Math.Min(RedisKeys.MaxNamespaceLength, prefix.Length + 13)]);
}
