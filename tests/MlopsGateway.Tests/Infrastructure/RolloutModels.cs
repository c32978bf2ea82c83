using MlopsGateway.Worker.Models;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// Classifiers built for the rollout tests: features FP32 [batch, 5] to probabilities [batch, 2] (the
/// top class is the larger of features 1 and 2, or the smaller when disagreeing), a <c>check</c>
/// output that looks feature 0 up in a table (a lookup past the table's end fails the run, as an
/// unguarded index would in a real model), and <c>work</c>, a chain of 512×512 products whose length sets the compute.
/// </summary>
public static class RolloutModels
{
    /// <summary>Feature 0 of the rows that fail a version with <see cref="Write"/>'s short table.</summary>
    public const float FailingIndex = 50;

    private const int Width = 512;

    /// <summary>
    /// Writes <paramref name="model"/> <paramref name="version"/> into <paramref name="repository"/>: <paramref name="chain"/>
    /// products of work, a table of <paramref name="table"/> entries (10: feature 0 of <see cref="FailingIndex"/> fails), classes swapped when <paramref name="disagree"/>.
    /// </summary>
    public static void Write(string repository, string model, string version, int chain = 0, int table = 100, bool disagree = false)
    {
        // The doc string keeps equal versions apart in bytes: the registry names one file one version.
        var builder = new OnnxModelBuilder(model, $"{model} version {version}")
            .Input("features", DataType.Float, "batch", 5)
            .Initializer("classes", [5, 2], disagree ? new float[] { 0, 0, 0, 1, 1, 0, 0, 0, 0, 0 } : new float[] { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0 })
            .Initializer("table", [table], Enumerable.Range(0, table).Select(i => (float)i).ToArray())
            .Initializer("first", [], [0L])
            .Node("MatMul", ["features", "classes"], ["logits"])
            .Node("Softmax", ["logits"], ["probabilities"], OnnxModelBuilder.Int("axis", 1))
            .Node("Gather", ["features", "first"], ["feature0"], OnnxModelBuilder.Int("axis", 1))
            .Node("Cast", ["feature0"], ["index"], OnnxModelBuilder.Int("to", (long)DataType.Int64))
            .Node("Gather", ["table", "index"], ["check"], OnnxModelBuilder.Int("axis", 0))
            .Output("probabilities", DataType.Float, "batch", 2)
            .Output("check", DataType.Float, "batch");
        if (chain > 0)
        {
            builder.Initializer("widen", [5, Width], Enumerable.Repeat(0.001f, 5 * Width).ToArray())
                .Initializer("square", [Width, Width], Enumerable.Range(0, Width * Width).Select(i => i % (Width + 1) == 0 ? 1f : 0f).ToArray())
                .Node("MatMul", ["features", "widen"], ["work0"]);
            for (var i = 0; i < chain; i++)
            {
                builder.Node("MatMul", [$"work{i}", "square"], [$"work{i + 1}"]);
            }
            builder.Node("ReduceMean", [$"work{chain}"], ["work"], new AttributeProto { Name = "axes", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1 } },
                    OnnxModelBuilder.Int("keepdims", 0))
                .Output("work", DataType.Float, "batch");
        }
        builder.Save(Path.Combine(repository, model, version, ModelRepository.ModelFileName));
    }
}
