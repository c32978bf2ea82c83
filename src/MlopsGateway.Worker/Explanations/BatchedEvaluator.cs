using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Tensors;

namespace MlopsGateway.Worker.Explanations;

/// <summary>
/// Runs an explanation's rows through the version's own batcher, as the requests of one more
/// caller: in chunks of the version's max batch size, a few chunks queued at once, so that an
/// explanation shares the version's instances with its traffic instead of holding them with one
/// unbounded run. The chunks are not observed (<see cref="InferItem.Observed"/>): drift counts and
/// captures see traffic only.
/// </summary>
internal sealed class BatchedEvaluator
{
    /// <summary>Rows per request when the version does not batch (each request then runs alone).</summary>
    public const int UnbatchedChunk = 256;

    private readonly ModelVersion _model;
    private readonly TensorSpec _input;
    private readonly string _output;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset? _deadline;

    public BatchedEvaluator(ModelVersion model, TensorSpec input, string output, TimeProvider time, DateTimeOffset? deadline)
    {
        _model = model;
        _input = input;
        _output = output;
        _time = time;
        _deadline = deadline;
    }

    /// <summary>Rows per chunk.</summary>
    public int Chunk => _model.Batching.Enabled ? _model.Batching.MaxBatchSize : UnbatchedChunk;

    /// <summary>Chunks queued at once: enough to keep every instance busy, few enough to leave the queue to traffic.</summary>
    public int Window => Math.Max(2, _model.Batching.Instances * 2);

    /// <summary>Batches run for this evaluator so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private int _requests;

    /// <summary>The output's columns for one row.</summary>
    public async Task<double[]> RunRowAsync(float[] row, CancellationToken cancellationToken) =>
        await RunAsync(1, row.Length, (_, span) => row.CopyTo(span), cancellationToken).ConfigureAwait(false);

    /// <summary>Column <paramref name="column"/> of the output for every row of <paramref name="rows"/>, of <paramref name="columns"/>.</summary>
    public async Task<double[]> EvaluateAsync(CoalitionRows rows, int column, int columns, CancellationToken cancellationToken)
    {
        var results = new double[rows.Count];
        var chunk = Chunk;
        var chunks = (int)((rows.Count + chunk - 1) / chunk);
        using var window = new SemaphoreSlim(Window);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new List<Task>(chunks);
        for (var c = 0; c < chunks; c++)
        {
            await window.WaitAsync(failed.Token).ConfigureAwait(false);
            var start = (long)c * chunk;
            var count = (int)Math.Min(chunk, rows.Count - start);
            running.Add(RunChunkAsync(start, count));
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        return results;

        async Task RunChunkAsync(long start, int count)
        {
            try
            {
                var values = await RunAsync(count, rows.Width, (r, span) => rows.Write(start + r, span), failed.Token).ConfigureAwait(false);
                for (var r = 0; r < count; r++)
                {
                    results[start + r] = values[(r * columns) + column];
                }
            }
            catch
            {
                // One chunk's failure ends the explanation: the chunks not queued yet are not.
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                window.Release();
            }
        }
    }

    private async Task<double[]> RunAsync(int count, int width, Action<int, Span<float>> write, CancellationToken cancellationToken)
    {
        var bytes = new byte[count * width * sizeof(float)];
        var floats = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        for (var r = 0; r < count; r++)
        {
            write(r, floats.Slice(r * width, width));
        }
        ValidatedInput[] inputs = [new ValidatedInput(_input, [count, width], (long)count * width, UnsafeByteOperations.UnsafeWrap(bytes), null)];
        string[] outputs = [_output];
        var item = new InferItem(inputs, outputs, Raw: true, Id: "", count, _time.GetTimestamp()) { Observed = false };
        var batchKey = _model.Batching.Enabled ? InferItem.BatchKey(inputs, outputs) + InferItem.UnobservedKey : "";
        Interlocked.Increment(ref _requests);
        var answer = await _model.Batcher.SubmitAsync(item, _model.Batching.Enabled ? count : 1, batchKey, _deadline, cancellationToken).ConfigureAwait(false);
        return Read(answer);
    }

    private double[] Read(ModelInferResponse answer)
    {
        var output = answer.Outputs[0];
        return answer.RawOutputContents.Count > 0
            ? TensorValues.ToDoubles(output.Datatype, answer.RawOutputContents[0].Span)
            : throw new RpcException(new Status(StatusCode.Internal, $"{_model.Label} answered output '{_output}' without its raw contents."));
    }
}
