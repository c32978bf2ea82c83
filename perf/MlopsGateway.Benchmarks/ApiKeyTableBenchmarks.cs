using BenchmarkDotNet.Attributes;
using MlopsGateway.Registry;

namespace MlopsGateway.Benchmarks;

/// <summary>
/// A known key is hashed once and then found among the table's remembered matches; an unknown key is
/// hashed (SHA-256) on every call and looked up in the frozen table.
/// </summary>
public class ApiKeyTableBenchmarks
{
    private ApiKeyTable _table = ApiKeyTable.Empty;
    private string _known = "";
    private string _unknown = "";

    [Params(10, 10_000)]
    public int Keys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var secrets = Enumerable.Range(0, Keys).Select(i => $"mlk_benchmark_secret_{i:D8}_0123456789abcdef").ToArray();
        _table = new ApiKeyTable(secrets.Select((s, i) =>
            new ApiKeyRecord($"id{i}", $"key{i}", ApiKeyHasher.Hash(s), [ApiKeyRecord.AllModels], DateTimeOffset.UnixEpoch)));
        _known = secrets[Keys / 2];
        _unknown = "mlk_not_a_key_of_this_table_0123456789abcdef";
    }

    [Benchmark(Baseline = true)]
    public ApiKeyRecord? Known() => _table.Find(_known);

    [Benchmark]
    public ApiKeyRecord? Unknown() => _table.Find(_unknown);
}
