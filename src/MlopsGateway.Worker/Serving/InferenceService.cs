using System.Reflection;
using System.Threading.Channels;
using Grpc.Core;
using Inference;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Contracts;
using MlopsGateway.Worker.Batching;
using MlopsGateway.Worker.Draining;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Predictions;
using MlopsGateway.Worker.Tensors;
using MlopsGateway.Worker.Tracing;

namespace MlopsGateway.Worker.Serving;

/// <summary>
/// The Open Inference Protocol v2 service over the worker's <see cref="ModelRepository"/>, with
/// Triton's repository extension. Requests are validated here, before they can reach a batch.
/// </summary>
internal sealed class InferenceService : GRPCInferenceService.GRPCInferenceServiceBase
{
    /// <summary>The name ServerMetadata reports.</summary>
    public const string ServerName = "mlops-worker";

    private static readonly string s_serverVersion =
        typeof(InferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    private readonly ModelRepository _repository;
    private readonly WorkerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<InferenceService> _logger;
    private readonly CancellationToken _stopping;
    private readonly WorkerDrain _drain;
    private readonly long _maxElements;
    private readonly PredictionRecorder _predictions;

    public InferenceService(
        ModelRepository repository, WorkerMetrics metrics, TimeProvider time, ILogger<InferenceService> logger, IHostApplicationLifetime lifetime,
        WorkerDrain drain, IOptions<WorkerOptions> options, PredictionRecorder predictions)
    {
        _drain = drain;
        _predictions = predictions;
        _maxElements = InferRequestValidator.ElementLimit(options.Value.MaxReceiveMessageSize);
        _repository = repository;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _stopping = lifetime.ApplicationStopping;
    }

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = _repository.IsLoaded && !_drain.Draining });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelReadyResponse { Ready = _repository.TryResolve(request.Name, request.Version, out _) });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = ServerName, Version = s_serverVersion };
        response.Extensions.Add("model_repository");
        return Task.FromResult(response);
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var model = Resolve(request.Name, request.Version);
        var response = new ModelMetadataResponse { Name = model.Name, Platform = ModelVersion.Platform };
        foreach (var version in _repository.VersionsOf(model.Name))
        {
            response.Versions.Add(version.Version);
        }
        foreach (var input in model.Inputs)
        {
            response.Inputs.Add(Describe(input));
        }
        foreach (var output in model.Outputs)
        {
            response.Outputs.Add(Describe(output));
        }
        response.Parameters["execution_provider"] = new InferParameter { StringParam = model.ExecutionProvider };
        response.Parameters["max_batch_size"] = new InferParameter { Int64Param = model.Batching.Enabled ? model.Batching.MaxBatchSize : 0 };
        if (model.Config.Description is { } description)
        {
            response.Parameters["description"] = new InferParameter { StringParam = description };
        }
        return Task.FromResult(response);
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var started = _time.GetTimestamp();
        if (_drain.Draining)
        {
            MarkDraining(context);
        }
        var model = Resolve(request.ModelName, request.ModelVersion);
        if (_predictions.Enabled && request.Id.Length == 0)
        {
            // Recorded predictions are found by id: one is made, and the answer carries it.
            request.Id = PredictionRecorder.IdFor(context);
        }
        try
        {
            var response = await SubmitAsync(model, request, context).ConfigureAwait(false);
            _predictions.Record(model, response, request.Id, context);
            _metrics.RequestCompleted(model.Name, model.Version, nameof(StatusCode.OK), _time.GetElapsedTime(started));
            return response;
        }
        catch (RpcException ex)
        {
            _metrics.RequestCompleted(model.Name, model.Version, ex.StatusCode.ToString(), _time.GetElapsedTime(started));
            throw;
        }
    }

    /// <summary>Tells the gateway that forwarded this call to send no more here: answered, but stopping.</summary>
    internal static void MarkDraining(ServerCallContext context)
    {
        // A message of a stream runs through ModelInfer too; its headers went out with the stream's first answer.
        if (context.GetHttpContext() is { Response.HasStarted: false } http)
        {
            http.Response.Headers[WorkerHeaders.Draining] = "1";
        }
    }

    /// <summary>
    /// Triton's streaming inference: each request on the stream runs as a ModelInfer would (the same
    /// validation, batching, deadline and metrics), up to <see cref="StreamRequestsInFlight"/> of one
    /// stream at once. Answers are written as they finish, each carrying its request's id; a failed
    /// request is answered with <c>error_message</c> and the stream goes on. When the worker stops,
    /// it reads no further requests, answers those it has and ends the call with OK: a gateway's
    /// long-lived shadow stream must not hold the worker's shutdown for its whole grace period.
    /// </summary>
    public override async Task ModelStreamInfer(IAsyncStreamReader<ModelInferRequest> requestStream,
        IServerStreamWriter<ModelStreamInferResponse> responseStream, ServerCallContext context)
    {
        // Unbounded: at most StreamRequestsInFlight answers can wait, since reading stops at that many.
        var answers = Channel.CreateUnbounded<ModelStreamInferResponse>(new UnboundedChannelOptions { SingleReader = true });
        var writer = WriteAnswersAsync(answers.Reader, responseStream, context.CancellationToken);
        // Not disposed: a request still running when the call is cancelled releases it afterwards.
        var slots = new SemaphoreSlim(StreamRequestsInFlight);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
        try
        {
            try
            {
                while (await requestStream.MoveNext(reading.Token).ConfigureAwait(false))
                {
                    await slots.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                    _ = AnswerAsync(requestStream.Current);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
            {
                // The worker is stopping: the requests read so far are still answered below.
            }
            for (var i = 0; i < StreamRequestsInFlight; i++)
            {
                await slots.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            answers.Writer.TryComplete();
        }
        await writer.ConfigureAwait(false);

        async Task AnswerAsync(ModelInferRequest request)
        {
            try
            {
                answers.Writer.TryWrite(await StreamAnswerAsync(request, context).ConfigureAwait(false));
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>Requests of one ModelStreamInfer call running at once; past it, reading the stream waits.</summary>
    public const int StreamRequestsInFlight = 64;

    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        var response = new RepositoryIndexResponse();
        foreach (var state in _repository.Index())
        {
            if (!request.Ready || state.State == ModelState.Ready)
            {
                response.Models.Add(new RepositoryIndexResponse.Types.ModelIndex
                {
                    Name = state.Model,
                    Version = state.Version,
                    State = state.State,
                    Reason = state.Reason,
                });
            }
        }
        return Task.FromResult(response);
    }

    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        try
        {
            var loaded = await _repository.LoadModelAsync(request.ModelName, context.CancellationToken).ConfigureAwait(false);
            if (loaded.Count == 0)
            {
                var reasons = _repository.Index().Where(s => s.Model == request.ModelName && s.State == ModelState.Unavailable)
                    .Select(s => $"version {s.Version}: {s.Reason}");
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"Model '{request.ModelName}' has no version that could be loaded. {string.Join("; ", reasons)}"));
            }
            return new RepositoryModelLoadResponse();
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new RpcException(new Status(StatusCode.NotFound, ex.Message));
        }
    }

    public override async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        if (!await _repository.UnloadModelAsync(request.ModelName, context.CancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Model '{request.ModelName}' is not loaded."));
        }
        return new RepositoryModelUnloadResponse();
    }

    private async Task<ModelStreamInferResponse> StreamAnswerAsync(ModelInferRequest request, ServerCallContext context)
    {
        try
        {
            return new ModelStreamInferResponse { InferResponse = await ModelInfer(request, context).ConfigureAwait(false) };
        }
        catch (RpcException ex)
        {
            return Failed(request, ex.StatusCode, ex.Status.Detail);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // ModelInfer maps every failure it expects to a status; anything else is answered as a
            // unary call's would be (Unknown), so that the caller still gets an answer for this id.
            ServingLog.InferenceFailed(_logger, request.ModelName, request.ModelVersion, ex);
            return Failed(request, StatusCode.Unknown, ex.Message);
        }
    }

    private static ModelStreamInferResponse Failed(ModelInferRequest request, StatusCode status, string detail) => new()
    {
        ErrorMessage = $"{status}: {detail}",
        InferResponse = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = request.ModelVersion, Id = request.Id },
    };

    /// <summary>
    /// Writes answers as they finish. Answers already waiting behind the one being written are
    /// buffered and go out with the last of them in one flush, as a batch's answers finish together.
    /// </summary>
    private static async Task WriteAnswersAsync(ChannelReader<ModelStreamInferResponse> answers,
        IServerStreamWriter<ModelStreamInferResponse> stream, CancellationToken cancellationToken)
    {
        while (await answers.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (answers.TryRead(out var answer))
            {
                stream.WriteOptions = answers.TryPeek(out _) ? s_buffered : null;
                await stream.WriteAsync(answer, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static readonly WriteOptions s_buffered = new(WriteFlags.BufferHint);

    private async Task<ModelInferResponse> SubmitAsync(ModelVersion model, ModelInferRequest request, ServerCallContext context)
    {
        var (inputs, outputNames) = InferRequestValidator.Validate(request, model.Label, model.Inputs, model.Outputs, _maxElements);
        var rows = Rows(model, inputs);
        var item = new InferItem(inputs, outputNames, request.RawInputContents.Count > 0, request.Id, rows, _time.GetTimestamp())
        {
            Trace = WorkerTracing.Capture(),
        };
        // The key only decides which requests may share a run; with batching off none do.
        var batchKey = model.Batching.Enabled ? InferItem.BatchKey(inputs, outputNames) : "";
        DateTimeOffset? deadline = context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(context.Deadline.ToUniversalTime());
        try
        {
            try
            {
                return await model.Batcher.SubmitAsync(item, rows, batchKey, deadline, context.CancellationToken).ConfigureAwait(false);
            }
            catch (BatcherClosedException) when (string.IsNullOrEmpty(request.ModelVersion)
                && _repository.TryResolve(model.Name, null, out var replacement) && replacement != model)
            {
                // The version was replaced between resolving and queueing: the new one answers.
                model = replacement!;
                return await model.Batcher.SubmitAsync(item, rows, batchKey, deadline, context.CancellationToken).ConfigureAwait(false);
            }
        }
        catch (QueueFullException ex)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, ex.Message));
        }
        catch (QueueDeadlineExceededException ex)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, ex.Message));
        }
        catch (BatcherClosedException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            var expired = deadline is { } d && _time.GetUtcNow() >= d;
            throw new RpcException(new Status(expired ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
                expired ? $"{model.Label}: the deadline passed before the request ran." : $"{model.Label}: the caller cancelled; the request did not run."));
        }
        catch (OnnxRuntimeException ex) when (ex.Message.Contains("[ErrorCode:InvalidArgument]", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{model.Label} rejected the inputs: {ex.Message}"));
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidOperationException)
        {
            ServingLog.InferenceFailed(_logger, model.Name, model.Version, ex);
            throw new RpcException(new Status(StatusCode.Internal, $"{model.Label} failed to run: {ex.Message}"));
        }
    }

    /// <summary>The request's rows; with batching on, every input must agree on them.</summary>
    private static long Rows(ModelVersion model, ValidatedInput[] inputs)
    {
        if (inputs.Length == 0 || inputs[0].Shape.Length == 0)
        {
            return 1;
        }
        var rows = inputs[0].Shape[0];
        if (model.Batching.Enabled)
        {
            foreach (var input in inputs)
            {
                if (input.Shape[0] != rows)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument,
                        $"{model.Label}: inputs disagree on the batch dimension: '{inputs[0].Spec.Name}' has {rows} rows, '{input.Spec.Name}' has {input.Shape[0]}."));
                }
            }
        }
        return model.Batching.Enabled ? rows : 1;
    }

    private ModelVersion Resolve(string name, string version) => Resolve(_repository, name, version);

    /// <summary>The version of <paramref name="name"/> that <paramref name="version"/> names (the latest for none).</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT without a name; NOT_FOUND naming what is served.</exception>
    internal static ModelVersion Resolve(ModelRepository repository, string name, string version)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The request names no model: set the model name."));
        }
        if (repository.TryResolve(name, version, out var model))
        {
            return model!;
        }
        var versions = repository.VersionsOf(name);
        var message = versions.Count == 0
            ? $"Unknown model '{name}'. This worker serves: {string.Join(", ", repository.ModelNames.DefaultIfEmpty("no models"))}."
            : $"Model '{name}' has no version '{version}'. Versions served: {string.Join(", ", versions.Select(v => v.Version))}.";
        throw new RpcException(new Status(StatusCode.NotFound, message));
    }

    private static ModelMetadataResponse.Types.TensorMetadata Describe(TensorSpec spec)
    {
        var metadata = new ModelMetadataResponse.Types.TensorMetadata { Name = spec.Name, Datatype = spec.Datatype };
        metadata.Shape.Add(spec.Shape);
        return metadata;
    }
}
