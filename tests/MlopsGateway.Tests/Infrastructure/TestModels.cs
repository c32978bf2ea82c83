using Inference;
using MlopsGateway.Worker.Models;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>Small ONNX models built in code for the tests.</summary>
public static class TestModels
{
    /// <summary>
    /// <c>dtypes</c>: one input per datatype, each output a simple function of its input so answers
    /// can be checked exactly: y_fp32 = 2·x_fp32 [batch, 3]; y_fp64 = 2·x_fp64 [batch, 2];
    /// y_i32 = 2·x_i32 [batch]; y_i64 = 2·x_i64 [batch, 2]; y_bool = not x_bool [batch].
    /// </summary>
    public static void WriteDtypes(string repository, string version = "1")
    {
        new OnnxModelBuilder("dtypes")
            .Input("x_fp32", DataType.Float, "batch", 3)
            .Input("x_fp64", DataType.Double, "batch", 2)
            .Input("x_i32", DataType.Int32, "batch")
            .Input("x_i64", DataType.Int64, "batch", 2)
            .Input("x_bool", DataType.Bool, "batch")
            .Node("Add", ["x_fp32", "x_fp32"], ["y_fp32"])
            .Node("Add", ["x_fp64", "x_fp64"], ["y_fp64"])
            .Node("Add", ["x_i32", "x_i32"], ["y_i32"])
            .Node("Add", ["x_i64", "x_i64"], ["y_i64"])
            .Node("Not", ["x_bool"], ["y_bool"])
            .Output("y_fp32", DataType.Float, "batch", 3)
            .Output("y_fp64", DataType.Double, "batch", 2)
            .Output("y_i32", DataType.Int32, "batch")
            .Output("y_i64", DataType.Int64, "batch", 2)
            .Output("y_bool", DataType.Bool, "batch")
            .Save(Path.Combine(repository, "dtypes", version, ModelRepository.ModelFileName));
    }

    /// <summary>A fresh temporary folder holding the sample models and <c>dtypes</c>.</summary>
    public static string NewRepository()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
        SampleModels.WritePropensity(folder);
        WriteDtypes(folder);
        return folder;
    }

    /// <summary>Model metadata as a server describes it, for code that works from metadata alone.</summary>
    public static ModelMetadataResponse Metadata(string model, params (string Name, string Datatype, long[] Shape)[] inputs)
    {
        var metadata = new ModelMetadataResponse { Name = model };
        foreach (var (name, datatype, shape) in inputs)
        {
            var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = name, Datatype = datatype };
            tensor.Shape.Add(shape);
            metadata.Inputs.Add(tensor);
        }
        return metadata;
    }

    /// <summary>The propensity model's metadata: features FP32 [-1, 5].</summary>
    public static ModelMetadataResponse PropensityMetadata() => Metadata(SampleModels.Propensity, ("features", "FP32", [-1, 5]));
}
