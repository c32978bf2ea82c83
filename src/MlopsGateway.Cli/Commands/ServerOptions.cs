using System.CommandLine;
using System.Net;

namespace MlopsGateway.Cli.Commands;

/// <summary>Options several commands share, with the same names and help everywhere.</summary>
internal static class ServerOptions
{
    /// <summary>The Redis of a server role; left out (and no <c>MLOPS_REDIS</c>), an embedded one starts.</summary>
    public static Option<string?> Redis(CliEnvironment environment) => environment.FallBack(new Option<string?>("--redis")
    {
        Description = "Redis connection string (e.g. 127.0.0.1:6379,password=...); with none, an embedded Redis-compatible server (Garnet) starts on loopback.",
    }, CliEnvironment.Redis);

    public static Option<IPAddress> Bind(string fallback) =>
        TypedOptions.Address("--bind", "Address to listen on (0.0.0.0 for every interface).", fallback);

    public static Option<bool> Verbose() => new("--verbose", "-v")
    {
        Description = "Log framework and debug events too.",
    };

    public static Option<int> Port(string name, string description, int fallback) =>
        TypedOptions.Port(name, description + " 0 picks a free port.", fallback);

    public static Option<int> MetricsPort(string name, int fallback) =>
        TypedOptions.Port(name, "HTTP/1.1 port serving Prometheus /metrics and /healthz (0 picks a free port).", fallback);

    /// <summary>A duration option (<c>10ms</c>, <c>1s</c>, <c>0</c>), refused at parse time when it is not one.</summary>
    public static Option<DurationValue> Duration(string name, string description, string fallback, string example) =>
        TypedOptions.Duration(name, description, fallback, example);

    /// <summary>A bound address as a caller on this machine would use it (0.0.0.0 becomes 127.0.0.1).</summary>
    public static string Reachable(string address) =>
        address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal);
}
