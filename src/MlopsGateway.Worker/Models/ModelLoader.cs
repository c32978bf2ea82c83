using System.Security.Cryptography;
using Inference;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Tracing;

namespace MlopsGateway.Worker.Models;

/// <summary>Turns a version folder into a <see cref="ModelVersion"/>: config, checksum, graph rewrite, provider, batcher.</summary>
internal sealed class ModelLoader(WorkerMetrics metrics, TimeProvider time, ILogger logger)
{
    /// <summary>Rows per run when a batchable model's config does not say.</summary>
    public const int DefaultMaxBatchSize = 32;

    private int _cudaWarned;

    /// <exception cref="InvalidDataException">Config invalid, checksum mismatch, or unservable tensors.</exception>
    /// <exception cref="OnnxRuntimeException">ONNX Runtime cannot load the model or the chosen provider.</exception>
    public ModelVersion Load(string model, string version, string path)
    {
        var versionDir = Path.GetDirectoryName(path)!;
        var config = ModelConfig.Load(Path.Combine(Path.GetDirectoryName(versionDir)!, ModelConfig.FileName), Path.Combine(versionDir, ModelConfig.FileName));
        var bytes = File.ReadAllBytes(path);
        if (config.Sha256 is { } expected)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"sha256 mismatch: config.json expects {expected.ToLowerInvariant()}, model.onnx is {actual}. The artefact may be corrupt or replaced.");
            }
        }
        if (config.DynamicBatchDim)
        {
            bytes = OnnxBatchDimension.MakeDynamic(bytes);
        }

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            // Instances share the cores: more threads per run than cores only adds contention.
            IntraOpNumThreads = config.IntraOpThreads > 0 ? config.IntraOpThreads : Math.Max(1, Environment.ProcessorCount / config.Instances),
            InterOpNumThreads = 1,
        };
        if (!config.AllowSpinning)
        {
            // Idle ONNX Runtime threads spin for work by default; on a small machine that spinning
            // takes the cores the gRPC threads need to receive the next batch.
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }
        var provider = ChooseProvider(model, version, config, options);
        var session = new InferenceSession(bytes, options);
        try
        {
            return new ModelVersion(model, version, path, config, session, provider,
                createBatcher: m => new DynamicBatcher<InferItem, ModelInferResponse>(m.Batching, items => Run(m, items), time, m.Label),
                batching: m => Batching(m, config));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private string ChooseProvider(string model, string version, ModelConfig config, SessionOptions options)
    {
        if (config.ExecutionProvider == "cpu")
        {
            return "CPUExecutionProvider";
        }
        try
        {
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string>
            {
                ["device_id"] = config.Cuda.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["cudnn_conv_algo_search"] = config.Cuda.CudnnConvAlgoSearch,
            });
            options.AppendExecutionProvider_CUDA(cuda);
            return "CUDAExecutionProvider";
        }
        catch (OnnxRuntimeException ex) when (config.ExecutionProvider == "auto")
        {
            // Say why once per worker, not once per model: on a CPU machine every model falls back.
            if (Interlocked.Exchange(ref _cudaWarned, 1) == 0)
            {
                ModelLog.CudaUnavailable(logger, model, version, FirstLine(ex.Message));
            }
            return "CPUExecutionProvider";
        }
    }

    private BatcherOptions Batching(ModelVersion model, ModelConfig config)
    {
        if (config.MaxBatchSize == 0)
        {
            return new BatcherOptions { Enabled = false, MaxQueueSize = config.MaxQueueSize, Instances = config.Instances };
        }
        if (!model.HasBatchDimension)
        {
            if (config.MaxBatchSize is > 0)
            {
                var fixedTensor = model.Inputs.Concat(model.Outputs).First(t => t.Shape.Count == 0 || t.Shape[0] != -1);
                ModelLog.BatchingOff(logger, model.Name, model.Version, fixedTensor.Name, fixedTensor.ShapeText);
            }
            return new BatcherOptions { Enabled = false, MaxQueueSize = config.MaxQueueSize, Instances = config.Instances };
        }
        var max = config.MaxBatchSize ?? DefaultMaxBatchSize;
        return new BatcherOptions
        {
            Enabled = true,
            MaxBatchSize = max,
            MaxQueueDelay = TimeSpan.FromMicroseconds(config.MaxQueueDelayMicroseconds),
            PreferredBatchSizes = config.PreferredBatchSizes ?? [],
            MaxQueueSize = config.MaxQueueSize,
            Instances = config.Instances,
        };
    }

    private ModelInferResponse[] Run(ModelVersion model, IReadOnlyList<InferItem> items)
    {
        var start = time.GetTimestamp();
        long rows = 0;
        foreach (var item in items)
        {
            metrics.Queued(model.Name, model.Version, time.GetElapsedTime(item.QueuedAt, start));
            rows += item.Rows;
        }
        var responses = BatchTracing.Run(model, items);
        metrics.Ran(model.Name, model.Version, time.GetElapsedTime(start), rows);
        return responses;
    }

    /// <summary>The part of ONNX Runtime's message a person needs: the loader's error when there is one.</summary>
    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        var line = end < 0 ? message : message[..end];
        const string loaderError = "with error: ";
        var cause = line.LastIndexOf(loaderError, StringComparison.Ordinal);
        return cause < 0 ? line : "the CUDA provider library could not load: " + line[(cause + loaderError.Length)..];
    }
}
