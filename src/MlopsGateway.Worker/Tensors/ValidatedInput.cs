using Google.Protobuf;
using Inference;

namespace MlopsGateway.Worker.Tensors;

/// <summary>One request input, checked against the model and ready to be copied into a tensor.</summary>
/// <param name="Spec">The model's description of this input.</param>
/// <param name="Shape">The request's concrete shape.</param>
/// <param name="ElementCount">Product of <paramref name="Shape"/>.</param>
/// <param name="Raw">The raw little-endian bytes, when the request used raw contents.</param>
/// <param name="Contents">The typed contents, when it did not.</param>
internal sealed record ValidatedInput(
    TensorSpec Spec, long[] Shape, long ElementCount, ByteString? Raw, InferTensorContents? Contents);
