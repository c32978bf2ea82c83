using MlopsGateway.Registry;
using MlopsGateway.Registry.Internal;

namespace MlopsGateway.Tests.Registry;

/// <summary>What a record read from Redis must hold before a gateway uses it.</summary>
public sealed class RecordChecksTests
{
    private static readonly string s_hash = ApiKeyHasher.Hash("a-secret-of-at-least-thirty-two-characters");

    [Theory]
    [InlineData("http://10.0.0.5:5001", null)]
    [InlineData("https://worker.internal:5001/", null)]
    [InlineData("http://[::1]:5001", null)]
    [InlineData("", "it has no address")]
    [InlineData("ftp://10.0.0.5:5001", "its address is not an http:// or https:// URL")]
    [InlineData("10.0.0.5:5001", "its address is not an http:// or https:// URL")]
    [InlineData("unix:/tmp/w.sock", "its address is not an http:// or https:// URL")]
    [InlineData("http://user:secret@10.0.0.5:5001", "its address carries user info (credentials), which a worker address must not")]
    [InlineData("http://10.0.0.5:5001/v2?x=1", "its address http://10.0.0.5:5001 has a path, query or fragment; give scheme, host and port only")]
    public void WorkerAddress_Address_ProblemNamed(string address, string? problem)
    {
        Assert.Equal(problem, RecordChecks.WorkerAddress(address));
    }

    [Fact]
    public void Worker_MissingOrWrongFields_ProblemNamed()
    {
        var good = new WorkerRecord("w1", "http://h:1", [new ServedVersion("m", "1")], true, default, default);

        Assert.Null(RecordChecks.Worker("w1", good));
        Assert.Equal("its id 'w1' is not the one it is registered under", RecordChecks.Worker("w2", good));
        Assert.Equal("it has no id", RecordChecks.Worker("w1", good with { Id = null! }));
        Assert.Equal("its models are missing, or one lacks a model name or version", RecordChecks.Worker("w1", good with { Models = null! }));
        Assert.Equal("its models are missing, or one lacks a model name or version", RecordChecks.Worker("w1", good with { Models = [new ServedVersion("m", null!)] }));
        Assert.StartsWith("its id starts with 'static-'", RecordChecks.Worker("static-0", good with { Id = "static-0" }));
    }

    [Fact]
    public void Worker_LoadFigures_NegativeOrNotFiniteRefused_NoneStillValid()
    {
        var good = new WorkerRecord("w1", "http://h:1", [new ServedVersion("m", "1")], true, default, default, [new VersionLoad("m", "1", 2, 5, 3.5, 8)]);

        Assert.Null(RecordChecks.Worker("w1", good));
        Assert.Null(RecordChecks.Worker("w1", good with { Load = null }));
        Assert.Null(RecordChecks.Worker("w1", good with { Load = [new VersionLoad("m", "1", 0, 0, 0, 0)] }));
        Assert.Equal("its load for m 1 has a negative queue_depth, batches or max_batch_size (-1, 5, 8)",
            RecordChecks.Worker("w1", good with { Load = [new VersionLoad("m", "1", -1, 5, 3.5, 8)] }));
        Assert.StartsWith("its load for m 1 has a negative", RecordChecks.Worker("w1", good with { Load = [new VersionLoad("m", "1", 2, -5, 3.5, 8)] }));
        Assert.StartsWith("its load for m 1 has a negative", RecordChecks.Worker("w1", good with { Load = [new VersionLoad("m", "1", 2, 5, 3.5, -8)] }));
        Assert.Equal("its load for m 1 has a mean_batch_size of -0.5, not a finite number at least 0",
            RecordChecks.Worker("w1", good with { Load = [new VersionLoad("m", "1", 2, 5, -0.5, 8)] }));
        Assert.Equal("its load for m 1 has a mean_batch_size of NaN, not a finite number at least 0",
            RecordChecks.Worker("w1", good with { Load = [new VersionLoad("m", "1", 2, 5, double.NaN, 8)] }));
        Assert.StartsWith("its load for m 1 has a mean_batch_size of", RecordChecks.Worker("w1", good with { Load = [new VersionLoad("m", "1", 2, 5, double.PositiveInfinity, 8)] }));
        Assert.Equal("one of its load entries lacks a model name or version", RecordChecks.Worker("w1", good with { Load = [new VersionLoad("m", null!, 2, 5, 3.5, 8)] }));
    }

    [Fact]
    public void ApiKey_MissingOrWrongFields_ProblemNamedWithoutTheHash()
    {
        var good = new ApiKeyRecord("k1", "checkout", s_hash, ["*"], default);

        Assert.Null(RecordChecks.ApiKey(s_hash, good));
        Assert.Equal("key k1 has no hash (64 lower-case hex digits)", RecordChecks.ApiKey(s_hash, good with { Hash = null! }));
        Assert.Equal("key k1 is stored under a field other than its hash", RecordChecks.ApiKey(new string('0', 64), good));
        Assert.Equal("key k1 names no models (use [\"*\"] for every model)", RecordChecks.ApiKey(s_hash, good with { Models = null! }));
        Assert.Equal("key k1 has a burst of 0, not at least 1", RecordChecks.ApiKey(s_hash, good with { Burst = 0 }));
        Assert.Equal("it has no id", RecordChecks.ApiKey(s_hash, good with { Id = null! }));
        Assert.Equal($"{RedisKeys.Default.ApiKeys} field {s_hash[..12]}…", RecordChecks.ApiKeyLocation(RedisKeys.Default, s_hash));
    }

    [Fact]
    public void Route_MissingOrWrongFields_ProblemNamed()
    {
        var good = new RouteRecord("m", "1", Canary: "2", CanaryWeight: 10);

        Assert.Null(RecordChecks.Route("m", good));
        Assert.Equal("it names model 'm' but is stored under 'other'", RecordChecks.Route("other", good));
        Assert.Equal("it names no model", RecordChecks.Route("m", good with { Model = null! }));
        Assert.Equal("The route needs a stable version.", RecordChecks.Route("m", good with { Stable = null! }));
        Assert.Equal("Canary weight must be between 0 and 100 (fractions allowed), not 150.", RecordChecks.Route("m", good with { CanaryWeight = 150 }));
        Assert.Equal("its canary or shadow version is empty (leave it out for none)", RecordChecks.Route("m", good with { Shadow = "" }));
    }
}
