using Inference;
using MlopsGateway.Cli;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

public sealed class LoadTestInputsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlops-inputs-").FullName;

    private static ModelMetadataResponse Metadata() => TestModels.PropensityMetadata();

    private string File(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Read_JsonArray_OneRequestPerObject()
    {
        var path = File("in.json", """[{"features": [[1, 2, 3, 4, 5]]}, {"features": [[6, 7, 8, 9, 10], [0, 0, 0, 0, 1]]}]""");
        var requests = LoadTestInputs.Read(path, Metadata(), "1", rows: 1, raw: false);

        Assert.Equal(2, requests.Count);
        Assert.Equal([1L, 5], requests[0].Inputs[0].Shape);
        Assert.Equal([2L, 5], requests[1].Inputs[0].Shape);
        Assert.Equal(10f, requests[1].Inputs[0].Contents.Fp32Contents[4]);
        Assert.Equal("1", requests[0].ModelVersion);
    }

    [Fact]
    public void Read_CsvWithHeader_RowsGroupedPerRequest()
    {
        var path = File("in.csv", "visits,minutes,cart,days,opens\n1,2,3,4,5\n6,7,8,9,10\n11,12,13,14,15\n");
        var requests = LoadTestInputs.Read(path, Metadata(), null, rows: 2, raw: true);

        Assert.Equal(2, requests.Count);
        Assert.Equal([2L, 5], requests[0].Inputs[0].Shape);
        // The last request wraps around to the first line.
        var last = requests[1].RawInputContents[0].ToByteArray();
        Assert.Equal(11f, BitConverter.ToSingle(last, 0));
        Assert.Equal(1f, BitConverter.ToSingle(last, 20));
    }

    [Theory]
    [InlineData("in.csv", "1,2,3,4,5\n1,2,3\n", "line 2: 3 values; input 'features' takes 5 per row")]
    [InlineData("in.json", "[{\"labels\": [1]}]", "request 1: Model 'propensity' has no input 'labels'")]
    [InlineData("in.json", "{\"features\": [[1, 2", "is not valid JSON")]
    [InlineData("in.txt", "1,2,3,4,5", "give a .json or a .csv file")]
    public void Read_BadFile_SaysWhere(string name, string text, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => LoadTestInputs.Read(File(name, text), Metadata(), null, 1, raw: false));
        Assert.Contains(expected, ex.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
