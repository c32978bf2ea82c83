namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// How a worker records its predictions for ground truth (<c>--prediction-ttl</c>,
/// <c>--prediction-sample</c>, <c>--no-prediction-records</c>): encoded on the request path into a
/// bounded batch that a background writer takes and writes into Redis in one pipelined write.
/// </summary>
public sealed class PredictionRecordOptions
{
    /// <summary>Whether predictions are recorded at all; off, requests are answered as before and no id is made.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a recorded prediction waits for its label.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The share of requests recorded, 0 to 1, decided by a hash of the id so that a call retried on
    /// another worker is sampled the same way.
    /// </summary>
    public double SampleRate { get; set; } = 1.0;

    /// <summary>Predictions waiting to be written (the batch being filled holds this many); when it is full, new ones are dropped and counted, never waited for.</summary>
    public int QueueCapacity { get; set; } = 16_384;

    /// <summary>
    /// How long the writer lets predictions gather after writing what was queued: the most a label
    /// may have to wait for its prediction's record, and what makes the writes few and large.
    /// </summary>
    public TimeSpan WriteInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The Redis namespace the records go to (the deployment's <c>--namespace</c>).</summary>
    public string Namespace { get; set; } = Registry.RedisKeys.DefaultNamespace;

    /// <summary>Every problem with these options, each naming its option.</summary>
    internal IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Ttl <= TimeSpan.Zero)
        {
            problems.Add($"--prediction-ttl must be longer than 0, not {Ttl}.");
        }
        if (!(SampleRate >= 0 && SampleRate <= 1))
        {
            problems.Add($"--prediction-sample must be a share from 0 to 1, not {SampleRate}.");
        }
        if (QueueCapacity < 1)
        {
            problems.Add("The prediction batch must hold at least 1 prediction.");
        }
        if (WriteInterval < TimeSpan.Zero || WriteInterval > TimeSpan.FromSeconds(10))
        {
            problems.Add($"The prediction writer's interval must be from 0 to 10 s, not {WriteInterval}.");
        }
        if (Registry.RedisKeys.NamespaceProblem(Namespace) is { } problem)
        {
            problems.Add(problem);
        }
        return problems;
    }
}
