using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Worker.Models;
using MlopsGateway.Worker.Publishing;
using DataType = Onnx.TensorProto.Types.DataType;

namespace MlopsGateway.Tests.Worker.Publishing;

/// <summary>A push's baseline over real ONNX models whose outputs are probabilities only, or a value per row.</summary>
public class BaselineMakerTests
{
    private readonly string _root = Directory.CreateTempSubdirectory("baseline-maker-").FullName;

    private string Save(string name, OnnxModelBuilder builder)
    {
        var path = Path.Combine(_root, name, ModelRepository.ModelFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        builder.Save(path);
        return path;
    }

    private string Training(params float[] values)
    {
        var path = Path.Combine(_root, "train.csv");
        File.WriteAllText(path, "x,y\n" + string.Join('\n', values.Select(v => FormattableString.Invariant($"{v},{-v}"))));
        return path;
    }

    private static async Task<ModelPushResult> PushAsync(string file, string training)
    {
        await using var redis = await TestRedis.ConnectAsync();
        var store = new BaselineStore(redis, RedisTargets.NewKeys("bm"));
        var registry = new ModelRegistry(redis, keys: RedisTargets.NewKeys("bm"));
        var publisher = new ModelPublisher(registry, new ArtifactDirectory(Path.Combine(Path.GetDirectoryName(file)!, "store")), store);
        var pushed = await publisher.PushAsync(file, new ModelPushRequest("m", "tests", Baseline: new PushBaseline(training)));
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(pushed.Baseline),
            System.Text.Json.JsonSerializer.Serialize(await store.GetAsync("m", pushed.Record.Version)));
        return pushed;
    }

    [Fact]
    public async Task Push_ProbabilitiesOnly_ClassesAreTheirArgMaxNamedByIndex()
    {
        // Scores [x, y] per row: class 0 wins where x > y, that is x > 0 since y = -x.
        var file = Save("probabilities", new OnnxModelBuilder("p")
            .Input("input", DataType.Float, "batch", 2)
            .Node("Softmax", ["input"], ["scores"], OnnxModelBuilder.Int("axis", 1))
            .Output("scores", DataType.Float, "batch", 2));

        var pushed = await PushAsync(file, Training(1, 2, 3, -1, -2));

        var prediction = pushed.Baseline!.Prediction!;
        Assert.Equal(["0", "1"], pushed.Baseline.Classes);
        Assert.Equal([3L, 2, 0], prediction.Counts);
        Assert.Equal(["x", "y"], pushed.Baseline.Features.Select(f => f.Name));
    }

    [Fact]
    public async Task Push_Regressor_PredictionBinnedByTheOutputsQuantiles()
    {
        var file = Save("regressor", new OnnxModelBuilder("r")
            .Input("input", DataType.Float, "batch", 2)
            .Initializer("weights", [2, 1], [2f, 0f])
            .Node("MatMul", ["input", "weights"], ["value"])
            .Output("value", DataType.Float, "batch", 1));
        var values = Enumerable.Range(1, 2500).Select(i => (float)i).ToArray();

        var pushed = await PushAsync(file, Training(values));

        var prediction = pushed.Baseline!.Prediction!;
        Assert.Equal(FeatureKind.Numeric, prediction.Kind);
        Assert.Empty(pushed.Baseline.Classes);
        Assert.Equal((2.0, 5000.0), (prediction.Min, prediction.Max));
        // The input's quantile edges, doubled: the model ran over every row, across batches of 1,024.
        Assert.Equal(pushed.Baseline.Features[0].Edges.Select(e => e * 2), prediction.Edges);
        Assert.Equal(2500, prediction.Counts.Sum());
    }

    [Fact]
    public async Task Push_FixedBatchOfFour_TenRowsRunInPaddedBatchesAndThePaddingDropped()
    {
        var file = Save("fixed", new OnnxModelBuilder("f")
            .Input("input", DataType.Float, 4, 2)
            .Initializer("weights", [2, 1], [1f, 0f])
            .Node("MatMul", ["input", "weights"], ["value"])
            .Output("value", DataType.Float, 4, 1));

        var pushed = await PushAsync(file, Training(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));

        var prediction = pushed.Baseline!.Prediction!;
        Assert.Equal(10, prediction.Counts.Sum());
        // Padding rows would have predicted 0, below every value of the data.
        Assert.Equal((1.0, 10.0), (prediction.Min, prediction.Max));
    }

    [Fact]
    public async Task Push_ModelOfTwoInputs_BaselineRefusedAndNothingPushed()
    {
        var file = Save("two", new OnnxModelBuilder("t")
            .Input("a", DataType.Float, "batch", 2)
            .Input("b", DataType.Float, "batch", 2)
            .Node("Add", ["a", "b"], ["sum"])
            .Output("sum", DataType.Float, "batch", 2));

        var ex = await Assert.ThrowsAsync<ModelRegistryException>(() => PushAsync(file, Training(1, 2)));

        Assert.Contains("a baseline needs a model whose one input is [rows, features]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_FeatureNames_ValidatedWithTheCategoricalOnesAmongThem()
    {
        var good = new ModelConfig { FeatureNames = ["a", "b"], CategoricalFeatures = ["b"] };
        var repeated = new ModelConfig { FeatureNames = ["a", "a"] };
        var unknown = new ModelConfig { FeatureNames = ["a", "b"], CategoricalFeatures = ["c"] };

        Assert.Empty(good.Validate());
        Assert.Contains("feature_names must be non-empty names, each once.", repeated.Validate());
        Assert.Contains("categorical_features names c, not in feature_names.", unknown.Validate());
    }
}
