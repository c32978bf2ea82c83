using Microsoft.ML.OnnxRuntime;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Compare.Internal;

/// <summary>
/// ONNX Runtime called directly, no network: the ceiling any server can approach. Same session
/// options as the worker, inputs made once and reused, the same closed loop as the load tool.
/// Inputs stay in host memory on CUDA too, as the worker's do, so both pay the same copies.
/// </summary>
internal sealed class InProcessBench : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    /// <param name="modelPath">The model file.</param>
    /// <param name="cuda">
    /// Null for the CPU provider; otherwise the CUDA provider with this cuDNN convolution search,
    /// and no quiet fallback: a CUDA provider that cannot load throws.
    /// </param>
    /// <exception cref="OnnxRuntimeException">The CUDA provider or the model could not load.</exception>
    public InProcessBench(string modelPath, string? cuda = null)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (cuda is not null)
        {
            using var provider = new OrtCUDAProviderOptions();
            provider.UpdateOptions(new Dictionary<string, string> { ["device_id"] = "0", ["cudnn_conv_algo_search"] = cuda });
            options.AppendExecutionProvider_CUDA(provider);
        }
        _session = new InferenceSession(modelPath, options);
        Provider = cuda is null ? "CPUExecutionProvider" : "CUDAExecutionProvider";
        _inputNames = _session.InputMetadata.Keys.ToArray();
        _outputNames = _session.OutputMetadata.Keys.ToArray();
    }

    /// <summary>The execution provider the session was made with (CUDA only when ONNX Runtime accepted it).</summary>
    public string Provider { get; }

    /// <summary>Runs the closed loop at <paramref name="concurrency"/> with <paramref name="rows"/> rows per run.</summary>
    public async Task<LevelResult> RunAsync(int rows, int concurrency, TimeSpan warmup, TimeSpan duration, int seed, CancellationToken cancellationToken)
    {
        var inputs = MakeInputs(rows, seed);
        try
        {
            using var runOptions = new RunOptions();
            var plan = new LoadPlan { Concurrency = [concurrency], Warmup = warmup, Duration = duration, RowsPerRequest = rows, Seed = seed };
            var runner = new LoadRunner(plan, _ =>
            {
                using var results = _session.Run(runOptions, _inputNames, inputs, _outputNames);
                return ValueTask.CompletedTask;
            });
            var result = await runner.RunAsync(cancellationToken).ConfigureAwait(false);
            return result.Levels[0];
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }

    public void Dispose() => _session.Dispose();

    private OrtValue[] MakeInputs(int rows, int seed)
    {
        var random = new Random(seed);
        return _inputNames.Select(name =>
        {
            var meta = _session.InputMetadata[name];
            var shape = meta.Dimensions.Select((d, i) => d >= 0 ? d : i == 0 ? rows : 1).Select(d => (long)d).ToArray();
            var values = new float[shape.Aggregate(1L, (a, d) => a * d)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = random.NextSingle();
            }
            return OrtValue.CreateTensorValueFromMemory(values, shape);
        }).ToArray();
    }
}
