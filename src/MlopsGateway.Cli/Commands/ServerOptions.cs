using System.CommandLine;
using System.Net;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Cli.Commands;

/// <summary>Options several commands share, with the same names and help everywhere.</summary>
internal static class ServerOptions
{
    public static Option<string?> Redis() => new("--redis")
    {
        Description = "Redis connection string (e.g. 127.0.0.1:6379,password=...). Left out: an embedded Redis-compatible server (Garnet) starts on loopback.",
    };

    public static Option<string> Bind(string fallback) => new("--bind")
    {
        Description = "Address to listen on (0.0.0.0 for every interface).",
        DefaultValueFactory = _ => fallback,
    };

    public static Option<bool> Verbose() => new("--verbose", "-v")
    {
        Description = "Log framework and debug events too.",
    };

    public static Option<int> MetricsPort(string name, int fallback) => new(name)
    {
        Description = "HTTP/1.1 port serving Prometheus /metrics and /healthz (0 picks a free port).",
        DefaultValueFactory = _ => fallback,
    };

    /// <summary>A duration option (<c>10ms</c>, <c>1s</c>, <c>0</c>), refused at parse time when it is not one.</summary>
    public static Option<string> Duration(string name, string description, string fallback, string example)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => fallback, HelpName = "duration" };
        option.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (!DurationText.TryParse(text, out _))
            {
                result.AddError($"{name} '{text}' is not a duration; write e.g. {example}.");
            }
        });
        return option;
    }

    /// <summary>The value of an option made by <see cref="Duration"/>.</summary>
    public static TimeSpan DurationOf(ParseResult parse, Option<string> option) =>
        DurationText.TryParse(parse.GetValue(option), out var duration) ? duration : throw new InvalidOperationException($"{option.Name} was not validated.");

    public static IPEndPoint Endpoint(string bind, int port)
    {
        if (!IPAddress.TryParse(bind, out var address))
        {
            throw new ArgumentException($"--bind '{bind}' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::).");
        }
        if (port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port {port} is out of range (0-65535; 0 picks a free port).");
        }
        return new IPEndPoint(address, port);
    }

    /// <summary>A bound address as a caller on this machine would use it (0.0.0.0 becomes 127.0.0.1).</summary>
    public static string Reachable(string address) =>
        address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal);
}
