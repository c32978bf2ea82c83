using System.CommandLine;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Sketching;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary><c>mlops worker</c>'s drift sketch options: how often counts reach Redis, or none at all.</summary>
internal sealed class SketchWorkerOptions
{
    public Option<DurationValue> FlushInterval { get; } = ServerOptions.Duration("--sketch-flush-interval",
        "With --redis: how often the drift counts of versions with a baseline are written to Redis (and capture requests looked for); a crash loses at most this much.",
        "5s", "5s, 1s");

    public Option<bool> Off { get; } = new("--no-sketches")
    {
        Description = "Do not count rows for drift or serve baseline captures.",
    };

    /// <summary>Adds the sketches to <paramref name="worker"/> unless turned off.</summary>
    public void Apply(ParseResult parse, WorkerBuilder worker, IConnectionMultiplexer redis, string @namespace)
    {
        if (parse.GetValue(Off))
        {
            return;
        }
        var interval = parse.GetValue(FlushInterval).Value;
        if (interval <= TimeSpan.Zero)
        {
            throw new SettingRefusedException("SketchFlushInterval", "--sketch-flush-interval", "give a positive interval, e.g. 5s, or --no-sketches to turn sketches off.");
        }
        worker.AddDriftSketches(redis, o =>
        {
            o.FlushInterval = interval;
            o.Namespace = @namespace;
        });
    }
}
