using System.CommandLine;
using System.Net;
using MlopsGateway.Monitoring;

namespace MlopsGateway.Cli.Commands;

/// <summary>Options several commands share, with the same names and help everywhere.</summary>
internal static class ServerOptions
{
    /// <summary>The Redis of a server role; left out (and no <c>MLOPS_REDIS</c>), an embedded one starts.</summary>
    public static Option<string?> Redis(CliEnvironment environment) => environment.FallBack(new Option<string?>("--redis")
    {
        Description = "Redis connection string (e.g. 127.0.0.1:6379,password=...; a Redis Cluster: several nodes, 10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379); with none, an embedded Redis-compatible server (Garnet) starts on loopback.",
    }, CliEnvironment.Redis);

    /// <summary>A CA for Redis's certificate (<c>ssl=true</c>); left out, <c>MLOPS_REDIS_CA</c>, else the machine's roots.</summary>
    public static Option<string?> RedisCa(CliEnvironment environment) => environment.FallBack(new Option<string?>("--redis-ca")
    {
        Description = "PEM file of the CA that signed Redis's TLS certificate (a private CA), trusted beside the machine's roots; needs ssl=true (or rediss://) in the Redis connection string.",
        HelpName = "file",
    }, CliEnvironment.RedisCa);

    /// <summary>The gRPC listener's certificate; with <see cref="TlsKey"/>, the role serves TLS.</summary>
    public static Option<string?> TlsCertificate() => new("--tls-cert")
    {
        Description = "PEM file of the gRPC listener's TLS certificate (intermediates after it); with --tls-key, callers connect over TLS (https://, HTTP/2 by ALPN). Read again when the file changes.",
        HelpName = "file",
    };

    public static Option<string?> TlsKey() => new("--tls-key")
    {
        Description = "PEM file of the private key of --tls-cert. Read again when the file changes.",
        HelpName = "file",
    };

    /// <summary>The CAs a gateway trusts for https:// workers.</summary>
    public static Option<string?> WorkerCa() => new("--worker-ca")
    {
        Description = "PEM file of the CA certificates that sign the workers' TLS certificates (a private CA); https:// workers are trusted by these alone. Left out: the machine's trusted roots.",
        HelpName = "file",
    };

    /// <summary>The certificate <paramref name="certificate"/> and <paramref name="key"/> name, or null for cleartext.</summary>
    /// <exception cref="SettingRefusedException">Only one of the two is given, or they cannot be read.</exception>
    public static ServerCertificate? Certificate(string? certificate, string? key)
    {
        if (certificate is null && key is null)
        {
            return null;
        }
        if (certificate is null || key is null)
        {
            throw new SettingRefusedException("TLS", "--tls-cert and --tls-key", "give both the certificate and its key, or neither.");
        }
        try
        {
            return ServerCertificate.FromPemFiles(certificate, key);
        }
        catch (InvalidOperationException ex)
        {
            throw new SettingRefusedException("TLS", "--tls-cert and --tls-key", ex.Message, ex);
        }
    }

    public static Option<IPAddress> Bind(string fallback) =>
        TypedOptions.Address("--bind", "Address to listen on (0.0.0.0 for every interface).", fallback);

    /// <summary>Where the metrics port listens: loopback unless asked, since its pages name every model and the process' internals.</summary>
    public static Option<IPAddress> MetricsBind() =>
        TypedOptions.Address("--metrics-bind", "Address the metrics port listens on (0.0.0.0 for every interface, for a scraper on another machine).", "127.0.0.1");

    public static Option<bool> Verbose() => new("--verbose", "-v")
    {
        Description = "Log framework and debug events too.",
    };

    public static Option<int> Port(string name, string description, int fallback) =>
        TypedOptions.Port(name, description + " 0 picks a free port.", fallback);

    public static Option<int> MetricsPort(string name, int fallback) =>
        TypedOptions.Port(name, "HTTP/1.1 port serving Prometheus /metrics and /healthz (0 picks a free port).", fallback);

    /// <summary>
    /// <c>--console-port</c>: the web console on a listener of its own (HTTP/1.1, https with the TLS
    /// certificate, bound where the metrics listener is); left out, it is on the metrics port.
    /// </summary>
    public static Option<int> ConsolePort()
    {
        var option = TypedOptions.Port("--console-port",
            "Serve the web console (/console) on this port alone (HTTP/1.1; https with --tls-cert), bound to --metrics-bind. Left out: on the metrics port. 0 picks a free port.", 0);
        // No default: a value only when given, so that leaving it out keeps the console on the metrics port.
        option.DefaultValueFactory = null;
        return option;
    }

    /// <summary>Where <c>--console-port</c> asks for the console's own listener, or null when it was not given.</summary>
    public static IPEndPoint? ConsoleEndpoint(ParseResult parse, Option<int> consolePort, IPAddress bind) =>
        parse.GetResult(consolePort) is { Implicit: false } ? new IPEndPoint(bind, parse.GetValue(consolePort)) : null;

    /// <summary>A duration option (<c>10ms</c>, <c>1s</c>, <c>0</c>), refused at parse time when it is not one.</summary>
    public static Option<DurationValue> Duration(string name, string description, string fallback, string example) =>
        TypedOptions.Duration(name, description, fallback, example);

    /// <summary>A bound address as a caller on this machine would use it (0.0.0.0 becomes 127.0.0.1).</summary>
    public static string Reachable(string address) =>
        address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal);
}
