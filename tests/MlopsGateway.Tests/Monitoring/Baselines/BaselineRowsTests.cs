using System.Text;
using MlopsGateway.Monitoring.Baselines;

namespace MlopsGateway.Tests.Monitoring.Baselines;

public class BaselineRowsTests
{
    private static BaselineRows Csv(string text) => BaselineRows.ReadCsv(new StringReader(text), "train.csv");

    private static BaselineRows Json(string text) => BaselineRows.ReadJson(new MemoryStream(Encoding.UTF8.GetBytes(text)), "train.json");

    [Fact]
    public void ReadCsv_HeaderAndRows_ColumnsNamedAndValuesInvariant()
    {
        var rows = Csv("a,b, c\n1,2.5,-3e2\n\n4, 5 ,6\n");

        Assert.Equal(["a", "b", "c"], rows.Columns);
        Assert.Equal([[1f, 2.5f, -300f], [4f, 5f, 6f]], rows.Rows);
    }

    [Theory]
    [InlineData("a,b\n1,2\n3,x\n", "train.csv line 3, column b: 'x' is not a finite number.")]
    [InlineData("a,b\n1,2\n3\n", "train.csv line 3 has 1 values; the header names 2 columns.")]
    [InlineData("a,a\n1,2\n", "train.csv's header names column 'a' twice.")]
    [InlineData("a,b\n", "train.csv has a header but no rows.")]
    [InlineData("a,b\n1,\n", "train.csv line 2, column b: '' is not a finite number.")]
    [InlineData("a,b\n1,NaN\n", "train.csv line 2, column b: 'NaN' is not a finite number.")]
    public void ReadCsv_BadInput_RefusedNamingTheLineAndColumn(string text, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Csv(text));

        Assert.Equal(expected, ex.Message);
    }

    [Fact]
    public void ReadJson_ObjectsAndArrays_ReadAlike()
    {
        var objects = Json("""[{"a":1,"b":2},{"b":4,"a":3}]""");
        var arrays = Json("[[1,2],[3,4]]");

        Assert.Equal(["a", "b"], objects.Columns);
        Assert.Equal([[1f, 2f], [3f, 4f]], objects.Rows);
        Assert.Null(arrays.Columns);
        Assert.Equal(objects.Rows, arrays.Rows);
    }

    [Theory]
    [InlineData("""[{"a":1,"b":2},{"a":"x","b":1}]""", "train.json row 2, column a: \"x\" is not a finite number.")]
    [InlineData("""[{"a":1,"b":2},{"a":1}]""", "train.json row 2 lacks column b.")]
    [InlineData("""[{"a":1},{"a":1,"c":2}]""", "train.json row 2 has column 'c', which row 1 does not have (a).")]
    [InlineData("[[1,2],[3]]", "train.json row 2 has 1 values; row 1 has 2.")]
    [InlineData("[[1,2],[3,null]]", "train.json row 2, column 2: null is not a finite number.")]
    [InlineData("{\"a\":1}", "train.json is not a non-empty JSON array of rows")]
    [InlineData("[[1,2],\n[3,", "train.json is not JSON (line 2")]
    public void ReadJson_BadInput_RefusedNamingTheRowAndColumn(string text, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Json(text));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForFeatures_ColumnsInAnotherOrderAndAnIgnoredOne_RowsInFeatureOrder()
    {
        var rows = Csv("id,b,a\n9,2,1\n8,4,3\n");

        var selected = rows.ForFeatures(["a", "b"], ["id"]);

        Assert.Equal([[1f, 2f], [3f, 4f]], selected);
    }

    [Fact]
    public void ForFeatures_ExtraAndMissingColumns_RefusedListingExpectedAndFound()
    {
        var rows = Csv("id,b,c\n9,2,1\n");

        var ex = Assert.Throws<InvalidDataException>(() => rows.ForFeatures(["a", "b"]));

        Assert.Equal(
            "The columns are not the model's features. Expected: a, b. Found: id, b, c. Missing: a. Not features: id, c (name them with --ignore-columns to leave them out).",
            ex.Message);
    }

    [Fact]
    public void ForFeatures_UnnamedRowsOfAnotherWidth_Refused()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Json("[[1,2,3]]").ForFeatures(["a", "b"]));

        Assert.Contains("3 values each; the model's features are 2 (a, b)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FileByExtension_CsvOrJson()
    {
        var folder = Directory.CreateTempSubdirectory("baseline-rows-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "t.csv"), "a\n1\n");
            File.WriteAllText(Path.Combine(folder.FullName, "t.json"), "[[2]]");

            Assert.Equal([[1f]], BaselineRows.Read(Path.Combine(folder.FullName, "t.csv")).Rows);
            Assert.Equal([[2f]], BaselineRows.Read(Path.Combine(folder.FullName, "t.json")).Rows);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
