using System.CommandLine;
using MlopsGateway.Worker;
using MlopsGateway.Worker.Predictions;
using StackExchange.Redis;

namespace MlopsGateway.Cli.Commands;

/// <summary>
/// The prediction records' options of <c>mlops worker</c> and <c>mlops up</c>: how long a
/// prediction waits for its label, the share recorded, or none at all. Records need Redis.
/// </summary>
internal sealed class PredictionRecordFlags
{
    public Option<DurationValue> Ttl { get; } = ServerOptions.Duration("--prediction-ttl",
        "How long a recorded prediction (by id) waits for its label (mlops feedback send) before it expires.", "7d", "7d, 24h");

    public Option<double> Sample { get; } = new Option<double>("--prediction-sample")
    {
        Description = "The share of predictions recorded for labels, 0 to 1 (by a hash of the id, so a retried call is sampled alike).",
        DefaultValueFactory = _ => 1.0,
        HelpName = "share",
    }.Within(0, 1, "--prediction-sample must be a share from 0 to 1, not {0}.");

    public Option<bool> Off { get; } = new("--no-prediction-records")
    {
        Description = "Record no predictions (ids are then not made for requests without one); labels cannot be sent.",
    };

    public IEnumerable<Option> All => [Ttl, Sample, Off];

    /// <summary>Records the worker's predictions in <paramref name="redis"/> in namespace <paramref name="ns"/> unless <c>--no-prediction-records</c>.</summary>
    public void Apply(ParseResult parse, WorkerBuilder worker, IConnectionMultiplexer redis, string ns)
    {
        if (parse.GetValue(Off))
        {
            return;
        }
        worker.AddPredictionRecords(redis, o => Configure(parse, o, ns));
    }

    private void Configure(ParseResult parse, PredictionRecordOptions options, string ns)
    {
        options.Ttl = parse.GetValue(Ttl).Value;
        options.SampleRate = parse.GetValue(Sample);
        options.Namespace = ns;
    }
}
