using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MlopsGateway.NaiveServer;

/// <summary>
/// ModelMetadata and ModelInfer the straightforward way: DenseTensor copies in, NamedOnnxValue,
/// session.Run per request, outputs copied out. FP32 and INT64 only; no validation beyond ONNX Runtime's.
/// </summary>
public sealed class NaiveInferenceService(NaiveModels models) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var session = Session(request.Name);
        var response = new ModelMetadataResponse { Name = request.Name, Platform = "onnxruntime_onnx" };
        foreach (var (name, meta) in session.InputMetadata)
        {
            var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = name, Datatype = meta.ElementType == typeof(long) ? "INT64" : "FP32" };
            tensor.Shape.Add(meta.Dimensions.Select(d => (long)d));
            response.Inputs.Add(tensor);
        }
        return Task.FromResult(response);
    }

    public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        if (models.NoModel)
        {
            // The gRPC stack's own limit: the request is parsed and an answer of the real size is
            // written, but no model runs (the answer was computed once, for the first request).
            var canned = _canned.GetOrAdd(request.ModelName, _ => Run(request)).Clone();
            canned.Id = request.Id;
            return Task.FromResult(canned);
        }
        return Task.FromResult(Run(request));
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ModelInferResponse> _canned = new();

    private ModelInferResponse Run(ModelInferRequest request)
    {
        var session = Session(request.ModelName);
        var inputs = new List<NamedOnnxValue>();
        for (var i = 0; i < request.Inputs.Count; i++)
        {
            var input = request.Inputs[i];
            var shape = input.Shape.Select(d => (int)d).ToArray();
            var values = request.RawInputContents.Count > 0
                ? MemoryMarshal.Cast<byte, float>(request.RawInputContents[i].Span).ToArray()
                : input.Contents.Fp32Contents.ToArray();
            inputs.Add(NamedOnnxValue.CreateFromTensor(input.Name, new DenseTensor<float>(values, shape)));
        }
        using var results = session.Run(inputs);
        var response = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = request.ModelVersion, Id = request.Id };
        var raw = request.RawInputContents.Count > 0;
        foreach (var result in results)
        {
            var output = new ModelInferResponse.Types.InferOutputTensor { Name = result.Name };
            switch (result.Value)
            {
                case Tensor<float> floats:
                    output.Datatype = "FP32";
                    Copy(floats, output, response, raw, c => c.Fp32Contents);
                    break;
                case Tensor<long> longs:
                    output.Datatype = "INT64";
                    Copy(longs, output, response, raw, c => c.Int64Contents);
                    break;
            }
            response.Outputs.Add(output);
        }
        return response;
    }

    private static void Copy<T>(Tensor<T> tensor, ModelInferResponse.Types.InferOutputTensor output, ModelInferResponse response, bool raw,
        Func<InferTensorContents, Google.Protobuf.Collections.RepeatedField<T>> field) where T : unmanaged
    {
        output.Shape.Add(tensor.Dimensions.ToArray().Select(d => (long)d));
        var data = tensor.ToArray();
        if (raw)
        {
            response.RawOutputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())));
            return;
        }
        output.Contents = new InferTensorContents();
        field(output.Contents).Add(data);
    }

    private InferenceSession Session(string name) =>
        models.Find(name) ?? throw new RpcException(new Status(StatusCode.NotFound, $"Unknown model '{name}'."));
}
