using Inference;
using MlopsGateway.LoadTest;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.LoadTest;

public class InputGeneratorTests
{
    private static ModelMetadataResponse Metadata(params (string Name, string Datatype, long[] Shape)[] inputs) =>
        TestModels.Metadata("m", inputs);

    private static readonly Dictionary<string, long[]> s_noShapes = [];

    [Fact]
    public void ResolveShape_VariableDims_LeadingTakesRowsOthersOne()
    {
        var input = Metadata(("x", "FP32", [-1, 3, -1])).Inputs[0];
        Assert.Equal([8L, 3, 1], InputGenerator.ResolveShape(input, 8, s_noShapes));
        Assert.Equal([2L, 3, 7], InputGenerator.ResolveShape(input, 8, new Dictionary<string, long[]> { ["x"] = [2, 3, 7] }));
    }

    [Fact]
    public void ResolveShape_GivenShapeContradictsModel_Explains()
    {
        var input = Metadata(("x", "FP32", [-1, 3])).Inputs[0];
        var ex = Assert.Throws<ArgumentException>(() => InputGenerator.ResolveShape(input, 1, new Dictionary<string, long[]> { ["x"] = [1, 4] }));
        Assert.Contains("--shape x=1,4 does not fit the model's [-1, 3]", ex.Message);
    }

    [Fact]
    public void Generate_SameSeed_SameRequestsDifferentSeedDifferent()
    {
        var metadata = Metadata(("features", "FP32", [-1, 5]), ("ids", "INT64", [-1]));
        var a = InputGenerator.Generate(metadata, "2", 3, s_noShapes, 4, seed: 9, raw: true);
        var b = InputGenerator.Generate(metadata, "2", 3, s_noShapes, 4, seed: 9, raw: true);
        var c = InputGenerator.Generate(metadata, "2", 3, s_noShapes, 4, seed: 10, raw: true);

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(4, a.Count);
        Assert.NotEqual(a[0], a[1]);
        Assert.Equal(("m", "2"), (a[0].ModelName, a[0].ModelVersion));
        Assert.Equal([3L, 5], a[0].Inputs[0].Shape);
        Assert.Equal(3 * 5 * 4, a[0].RawInputContents[0].Length);
        Assert.Equal(3 * 8, a[0].RawInputContents[1].Length);
    }

    [Fact]
    public void Generate_Typed_ValuesInContentsFieldsInRange()
    {
        var metadata = Metadata(("f", "FP32", [-1, 2]), ("b", "BOOL", [-1]), ("i", "INT8", [-1]));
        var request = InputGenerator.Generate(metadata, null, 50, s_noShapes, 1, seed: 1, raw: false)[0];

        Assert.Empty(request.RawInputContents);
        Assert.Equal(100, request.Inputs[0].Contents.Fp32Contents.Count);
        Assert.All(request.Inputs[0].Contents.Fp32Contents, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(50, request.Inputs[1].Contents.BoolContents.Count);
        Assert.All(request.Inputs[2].Contents.IntContents, v => Assert.InRange(v, 0, 9));
    }

    [Fact]
    public void Generate_Bytes_AsksForAnInputFile()
    {
        var ex = Assert.Throws<ArgumentException>(() => InputGenerator.Generate(Metadata(("text", "BYTES", [-1])), null, 1, s_noShapes, 1, 1, raw: true));
        Assert.Contains("--input-file", ex.Message);
    }
}
