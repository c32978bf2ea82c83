using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;

namespace MlopsGateway.Worker.Models;

/// <summary>CUDA execution provider settings of a model.</summary>
internal sealed class CudaConfig
{
    /// <summary>The GPU to run on.</summary>
    [JsonPropertyName("device_id")]
    [ConfigurationKeyName("device_id")]
    public int DeviceId { get; init; }

    /// <summary>cuDNN convolution algorithm search: EXHAUSTIVE (best kernels, slower first run), HEURISTIC or DEFAULT.</summary>
    [JsonPropertyName("cudnn_conv_algo_search")]
    [ConfigurationKeyName("cudnn_conv_algo_search")]
    public string CudnnConvAlgoSearch { get; init; } = "EXHAUSTIVE";
}
