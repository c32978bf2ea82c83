using System.Reflection;
using Grpc.Core;
using Inference;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using MlopsGateway.Worker.Internal;

namespace MlopsGateway.Worker;

/// <summary>The Open Inference Protocol v2 service over the worker's <see cref="ModelRepository"/>.</summary>
public sealed class InferenceService : GRPCInferenceService.GRPCInferenceServiceBase
{
    /// <summary>The name ServerMetadata reports.</summary>
    public const string ServerName = "mlops-worker";

    private static readonly string s_serverVersion =
        typeof(InferenceService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    private readonly ModelRepository _repository;
    private readonly ILogger<InferenceService> _logger;

    public InferenceService(ModelRepository repository, ILogger<InferenceService> logger)
    {
        _repository = repository;
        _logger = logger;
    }

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = _repository.IsLoaded });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelReadyResponse { Ready = _repository.TryResolve(request.Name, request.Version, out _) });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse { Name = ServerName, Version = s_serverVersion });

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
        return Task.FromResult(response);
    }

    public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var model = Resolve(request.ModelName, request.ModelVersion);
        var (inputs, outputNames) = InferRequestValidator.Validate(request, model.Label, model.Inputs, model.Outputs);
        context.CancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Run(model, request, inputs, outputNames));
    }

    private ModelInferResponse Run(ModelVersion model, ModelInferRequest request, ValidatedInput[] inputs, string[] outputNames)
    {
        var values = new OrtValue[inputs.Length];
        var names = new string[inputs.Length];
        try
        {
            for (var i = 0; i < inputs.Length; i++)
            {
                names[i] = inputs[i].Spec.Name;
                values[i] = TensorConverter.ToOrtValue(inputs[i]);
            }
            using var runOptions = new RunOptions();
            using var results = model.Session.Run(runOptions, names, values, outputNames);

            var response = new ModelInferResponse { ModelName = model.Name, ModelVersion = model.Version, Id = request.Id };
            // Answer raw when asked raw; FP16/BF16 outputs have no typed field, so they make the whole answer raw.
            var raw = request.RawInputContents.Count > 0;
            foreach (var result in results)
            {
                raw |= !TensorDataType.HasTypedContents(TensorDataType.FromElementType(result.GetTensorTypeAndShape().ElementDataType)!);
            }
            for (var i = 0; i < outputNames.Length; i++)
            {
                TensorConverter.AddOutput(response, outputNames[i], results[i], raw);
            }
            return response;
        }
        catch (OnnxRuntimeException ex) when (ex.Message.Contains("[ErrorCode:InvalidArgument]", StringComparison.Ordinal))
        {
            // Shapes that each fit the metadata can still disagree with each other (two inputs'
            // batch dimensions, say); ONNX Runtime finds that, and it is the caller's to fix.
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{model.Label} rejected the inputs: {ex.Message}"));
        }
        catch (OnnxRuntimeException ex)
        {
            WorkerLog.InferenceFailed(_logger, model.Name, model.Version, ex);
            throw new RpcException(new Status(StatusCode.Internal, $"{model.Label} failed to run: {ex.Message}"));
        }
        finally
        {
            foreach (var value in values)
            {
                value?.Dispose();
            }
        }
    }

    private ModelVersion Resolve(string name, string version)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The request names no model: set the model name."));
        }
        if (_repository.TryResolve(name, version, out var model))
        {
            return model!;
        }
        var versions = _repository.VersionsOf(name);
        var message = versions.Count == 0
            ? $"Unknown model '{name}'. This worker serves: {string.Join(", ", _repository.ModelNames.DefaultIfEmpty("no models"))}."
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
