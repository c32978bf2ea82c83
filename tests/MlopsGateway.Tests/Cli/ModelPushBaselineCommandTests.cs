using System.Text.Json;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Registry.Models;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Cli;

/// <summary><c>mlops models push --baseline</c> and the baseline in <c>models show</c>, through the real parser, against the test Redis.</summary>
public class ModelPushBaselineCommandTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
    private readonly string _model = ModelRecords.NewModel();
    private readonly RedisKeys _keys = RedisTargets.NewKeys("bl");

    public ModelPushBaselineCommandTests() => SampleModels.WritePropensity(Path.Combine(_root, "files"));

    private string Sample(string version) => Path.Combine(_root, "files", SampleModels.Propensity, version, ModelRepository.ModelFileName);

    private string Training => Path.Combine(_root, "files", SampleModels.Propensity, SampleModels.TrainingFileName);

    private Task<(int ExitCode, string Output, string Error)> Run(params string[] args) =>
        CliRunner.RunAsync(["models", .. args, "--redis", TestRedis.Address, "--namespace", _keys.Namespace]);

    private Task<(int ExitCode, string Output, string Error)> Push(string file, params string[] more) =>
        Run(["push", file, "--model", _model, "--artifacts", Path.Combine(_root, "store"), "--by", "alice", .. more]);

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_root, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    [Fact]
    public async Task Push_WithBaseline_StoredWithTheVersionAndShownInTextAndJson()
    {
        var (pushed, output, error) = await Push(Sample("1"), "--baseline", Training, "--categorical", "cart_items");
        var (shown, show, _) = await Run("show", _model, "1");
        var (json, showJson, _) = await Run("show", _model, "1", "--json");

        Assert.True(pushed == 0, error);
        Assert.Equal((0, 0), (shown, json));
        Assert.Contains("Stored the baseline of version 1: 5000 rows from training:training.csv, 5 features (visits_30d, minutes_on_site, cart_items, days_since_purchase, email_opens_30d), prediction shares no_purchase ", output, StringComparison.Ordinal);
        await using var redis = await TestRedis.ConnectAsync();
        var baseline = await new BaselineStore(redis, _keys).GetAsync(_model, "1");
        Assert.Equal((5000L, "features"), (baseline!.Rows, baseline.Input));
        Assert.Equal(FeatureKind.Categorical, baseline.Features[2].Kind);
        Assert.Equal(FeatureKind.Numeric, baseline.Features[1].Kind);
        Assert.Contains("baseline: 5000 rows from training:training.csv, input 'features'", show, StringComparison.Ordinal);
        Assert.Contains("cart_items", show, StringComparison.Ordinal);
        Assert.Contains("categorical", show, StringComparison.Ordinal);
        var document = JsonDocument.Parse(showJson).RootElement;
        Assert.Equal(_model, document.GetProperty("model").GetString());
        Assert.Equal(5000, document.GetProperty("baseline").GetProperty("rows").GetInt64());
        Assert.Equal("minutes_on_site", document.GetProperty("baseline").GetProperty("features")[1].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Push_ColumnsThatAreNotTheFeatures_RefusedListingExpectedAndFoundAndNothingPushed()
    {
        var lines = File.ReadAllLines(Training).Take(50).Select((line, i) => (i == 0 ? "id" : i.ToString(System.Globalization.CultureInfo.InvariantCulture)) + "," + line);
        var withId = await WriteAsync("with-id.csv", string.Join('\n', lines));

        var (refused, _, error) = await Push(Sample("1"), "--baseline", withId);
        var (listed, list, _) = await Run("show", _model);
        var (ignored, output, ignoredError) = await Push(Sample("1"), "--baseline", withId, "--ignore-columns", "id");

        Assert.Equal(1, refused);
        Assert.Contains("Expected: visits_30d, minutes_on_site, cart_items, days_since_purchase, email_opens_30d. Found: id, visits_30d,", error, StringComparison.Ordinal);
        Assert.Contains("Not features: id (name them with --ignore-columns", error, StringComparison.Ordinal);
        Assert.Contains("Nothing was pushed", error, StringComparison.Ordinal);
        Assert.Equal(1, listed);
        Assert.True(ignored == 0, ignoredError);
        Assert.Contains("Stored the baseline of version 1: 49 rows", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_NoConfigAndAHeaderOfAnotherWidth_RefusedNamingBothCounts()
    {
        var bare = Path.Combine(_root, "bare", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(bare)!);
        File.Copy(Sample("1"), bare);
        var narrow = await WriteAsync("narrow.csv", "a,b,c,d\n1,2,3,4\n");
        var json = await WriteAsync("rows.json", "[[1,2,3,4,5],[2,3,4,5,6]]");

        var (refused, _, error) = await Push(bare, "--baseline", narrow);
        var (pushed, output, pushError) = await Push(bare, "--baseline", json);

        Assert.Equal(1, refused);
        Assert.Contains("the model's input 'features' has 5 features, but the file has 4 (a, b, c, d)", error, StringComparison.Ordinal);
        Assert.True(pushed == 0, pushError);
        // No config: the columns are named after the input, and the classes after their indices.
        Assert.Contains("5 features (features[0], features[1], features[2], features[3], features[4]), prediction shares 0 ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_BadBaselineOptions_Refused()
    {
        var (missing, _, missingError) = await Push(Sample("1"), "--baseline", Path.Combine(_root, "none.csv"));
        var (alone, _, aloneError) = await Push(Sample("1"), "--categorical", "cart_items");
        var bad = await WriteAsync("bad.csv", "visits_30d,minutes_on_site,cart_items,days_since_purchase,email_opens_30d\n1,2,x,4,5\n");
        var (unreadable, _, unreadableError) = await Push(Sample("1"), "--baseline", bad);

        Assert.Equal((1, 1, 1), (missing, alone, unreadable));
        Assert.Contains("There is no baseline file", missingError, StringComparison.Ordinal);
        Assert.Contains("describe the --baseline file", aloneError, StringComparison.Ordinal);
        Assert.Contains("bad.csv line 2, column cart_items: 'x' is not a finite number", unreadableError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_VersionWithoutBaseline_SaysNoneAndJsonHasNull()
    {
        await Push(Sample("1"));

        var (_, show, _) = await Run("show", _model, "1");
        var (_, json, _) = await Run("show", _model, "1", "--json");

        Assert.Contains("baseline: none", show, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(json).RootElement.GetProperty("baseline").ValueKind);
        Assert.Equal(ModelStatus.Ready, JsonSerializer.Deserialize<ModelVersionRecord>(json)!.Status);
    }
}
