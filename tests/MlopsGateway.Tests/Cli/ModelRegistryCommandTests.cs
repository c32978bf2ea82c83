using System.Text.Json;
using MlopsGateway.Registry;
using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Registry.Models;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Cli;

/// <summary>The registry's commands through the real parser, against the test Redis and a real artefact folder.</summary>
public class ModelRegistryCommandTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"));
    private readonly string _model = ModelRecords.NewModel();

    // Its own namespace: the malformed record planted below must not reach the gateways of other tests, which read the default one.
    private readonly RedisKeys _keys = RedisTargets.NewKeys("cli");

    public ModelRegistryCommandTests() => SampleModels.WritePropensity(Path.Combine(_root, "files"));

    private string Store => Path.Combine(_root, "store");

    private string Sample(string version) => Path.Combine(_root, "files", SampleModels.Propensity, version, ModelRepository.ModelFileName);

    private Task<(int ExitCode, string Output, string Error)> Run(params string[] args) =>
        CliRunner.RunAsync(["models", .. args, "--redis", TestRedis.Address, "--namespace", _keys.Namespace]);

    private Task<(int ExitCode, string Output, string Error)> Push(string file, params string[] more) =>
        Run(["push", file, "--model", _model, "--artifacts", Store, "--by", "alice", .. more]);

    [Fact]
    public async Task Push_ThenListAndShow_RecordedWithLineageAndJsonParses()
    {
        var data = Path.Combine(_root, "train.csv");
        await File.WriteAllTextAsync(data, "visits,label\n1,0\n");

        var (pushed, output, _) = await Push(Sample("1"), "--metric", "auc=0.91", "--metric", "f1=0.5", "--labels", "a,b", "--source", "git://repo",
            "--run-id", "run-9", "--training-data", data, "--description", "first");
        var (again, againOutput, _) = await Push(Sample("1"));
        var (second, _, _) = await Push(Sample("2"), "--parent", "1");
        var (listed, list, _) = await Run("list", "--json");
        var (shown, show, _) = await Run("show", _model, "1", "--json");
        var (table, tableOutput, _) = await Run("show", _model);

        var sha = await FileHash.Sha256Async(Sample("1"));
        Assert.Equal((0, 0, 0, 0, 0, 0), (pushed, again, second, listed, shown, table));
        Assert.Contains($"Pushed '{_model}' version 1 (new): sha256 {sha}, READY.", output);
        Assert.Contains($"'{_model}' version 1 unchanged", againOutput);
        var versions = JsonSerializer.Deserialize<List<ModelVersionRecord>>(list)!.Where(r => r.Model == _model).ToList();
        Assert.Equal(["1", "2"], versions.Select(v => v.Version));
        Assert.Equal("1", versions[1].Lineage.Parent);
        var record = JsonSerializer.Deserialize<ModelVersionRecord>(show)!;
        Assert.Equal((sha, "first", "run-9", "git://repo"), (record.Sha256, record.Description, record.Lineage.RunId, record.Lineage.Source));
        Assert.Equal(await FileHash.Sha256Async(data), record.Lineage.TrainingDataSha256);
        Assert.Equal(new Dictionary<string, double> { ["auc"] = 0.91, ["f1"] = 0.5 }, record.Metrics);
        Assert.Equal(["a", "b"], record.Labels);
        Assert.Equal("alice", record.CreatedBy);
        Assert.True(File.Exists(Path.Combine(Store, _model, "1", "model.onnx")));
        Assert.Contains("features FP32 [-1, 5]", tableOutput);
        Assert.Contains("READY", tableOutput);
    }

    [Fact]
    public async Task Push_ArtifactsFromTheEnvironment_UsedWhenTheOptionIsLeftOut()
    {
        var environment = new Dictionary<string, string> { ["MLOPS_ARTIFACTS"] = Store, ["MLOPS_REDIS"] = TestRedis.Address };

        var (exitCode, output, error) = await CliRunner.RunAsync(environment, "models", "push", Sample("1"), "--model", _model);

        Assert.True(exitCode == 0, error);
        Assert.Contains("version 1 (new)", output);
        Assert.True(File.Exists(Path.Combine(Store, _model, "1", "model.onnx")));
    }

    [Fact]
    public async Task Push_Refusals_ExitCode1NamingWhy()
    {
        var junk = Path.Combine(_root, "junk.onnx");
        await File.WriteAllTextAsync(junk, "not a model");
        await Push(Sample("1"), "--version", "4");

        var failed = await Push(junk);
        var immutable = await Push(Sample("2"), "--version", "4");
        var badMetric = await Push(Sample("2"), "--metric", "auc");
        var url = await Run("push", Sample("2"), "--model", _model, "--artifacts", "http://127.0.0.1:1/store");
        var missing = await Push(Path.Combine(_root, "nothing.onnx"));
        var noStore = await CliRunner.RunAsync("models", "push", Sample("2"), "--model", _model, "--redis", TestRedis.Address);

        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("FAILED: ONNX Runtime could not load it", failed.Output);
        Assert.Equal(1, immutable.ExitCode);
        Assert.Contains("immutable", immutable.Error);
        Assert.Equal(1, badMetric.ExitCode);
        Assert.Contains("--metric 'auc' is not name=value", badMetric.Error);
        Assert.Equal(1, url.ExitCode);
        Assert.Contains("push into the directory it serves", url.Error);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("There is no file", missing.Error);
        Assert.Equal(1, noStore.ExitCode);
        Assert.Contains("MLOPS_ARTIFACTS", noStore.Error);
    }

    [Fact]
    public async Task AliasDeprecateRetireCallers_ThroughTheParser_RecordedAndListed()
    {
        await Push(Sample("1"));
        await Push(Sample("2"));

        var set = await Run("alias", "set", _model, "champion", "1", "--by", "bob");
        var moved = await Run("alias", "set", _model, "@champion", "2", "--by", "carol");
        var refusedRetire = await Run("retire", _model, "2");
        var deprecated = await Run("deprecate", _model, "1", "--sunset", "2027-01-31", "--replacement", "2", "--note", "use v2", "--by", "dave");
        var badSunset = await Run("deprecate", _model, "1", "--sunset", "soon");
        var retired = await Run("retire", _model, "1", "--json");
        var history = await Run("history", _model, "--json");
        var historyTable = await Run("history", _model);
        var removed = await Run("alias", "remove", _model, "champion");
        var removedAgain = await Run("alias", "remove", _model, "champion");

        Assert.Equal((0, 0, 0, 0, 0), (set.ExitCode, moved.ExitCode, deprecated.ExitCode, retired.ExitCode, removed.ExitCode));
        Assert.Contains("@champion", set.Output);
        Assert.Contains("1 -> 2", moved.Output);
        Assert.Contains("sunset 2027-01-31 00:00:00 UTC, use 2.", deprecated.Output);
        Assert.Equal(1, refusedRetire.ExitCode);
        Assert.Contains("@champion", refusedRetire.Error);
        Assert.Equal(1, badSunset.ExitCode);
        Assert.Contains("--sunset 'soon'", badSunset.Error);
        var record = JsonSerializer.Deserialize<ModelVersionRecord>(retired.Output)!;
        Assert.Equal(new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero), record.Deprecation!.Sunset);
        Assert.Equal(("2", "use v2", "dave"), (record.Deprecation.Replacement, record.Deprecation.Note, record.Deprecation.By));
        Assert.True(record.IsRetired);
        using var doc = JsonDocument.Parse(history.Output);
        Assert.Equal([ModelChange.Retired, ModelChange.Deprecated, ModelChange.AliasSet, ModelChange.AliasSet, ModelChange.Pushed, ModelChange.Pushed],
            doc.RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("action").GetString()));
        Assert.Equal(["carol", "bob"], doc.RootElement.GetProperty("alias_moves").EnumerateArray().Select(m => m.GetProperty("by").GetString()));
        Assert.Contains("@champion 1 -> 2", historyTable.Output);
        Assert.Equal(1, removedAgain.ExitCode);
    }

    [Fact]
    public async Task Callers_GatewayCounts_ListedMostRecentFirst()
    {
        await Push(Sample("1"));
        await using var redis = await TestRedis.ConnectAsync();
        var key = _keys.Models.Callers(_model, "1");
        await redis.GetDatabase().HashSetAsync(key, [
            new("key-a", JsonSerializer.Serialize(new ModelCallerUse(3, 1_800_000_000_000))),
            new("key-b", JsonSerializer.Serialize(new ModelCallerUse(9, 1_900_000_000_000))),
        ]);

        var (exitCode, output, _) = await Run("callers", _model, "1", "--json");
        var table = await Run("callers", _model, "1");
        var none = await Run("callers", _model, "7");

        Assert.Equal(0, exitCode);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(["key-b", "key-a"], doc.RootElement.EnumerateArray().Select(c => c.GetProperty("key_id").GetString()));
        Assert.Equal(9, doc.RootElement[0].GetProperty("count").GetInt64());
        Assert.Contains("key-b", table.Output);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no version 7", none.Error);
    }

    [Fact]
    public async Task List_MalformedRecord_OthersListedAndTheFaultNamed()
    {
        await Push(Sample("1"));
        await using var redis = await TestRedis.ConnectAsync();
        await redis.GetDatabase().HashSetAsync(_keys.Models.Versions(_model), "2", """{"model":"x"}""");

        var (exitCode, output, error) = await Run("show", _model, "--json");
        var shown = await Run("show", _model, "2");

        Assert.Equal(0, exitCode);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(["1"], doc.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.Contains($"Skipped {_keys.Models.Versions(_model)} field 2", error);
        Assert.Equal(1, shown.ExitCode);
        Assert.Contains("cannot be used", shown.Error);
    }
}
