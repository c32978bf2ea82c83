using MlopsGateway.Registry.Artifacts;
using MlopsGateway.Registry.Models;
using MlopsGateway.Tests.Infrastructure;
using MlopsGateway.Tests.Worker.Publishing;

namespace MlopsGateway.Tests.Registry.Artifacts;

/// <summary>Push into a directory store, fetch from it as a directory and over HTTP from a real Kestrel file server.</summary>
public class ArtifactSourceTests
{
    private static string Destination() => Path.Combine(Path.GetTempPath(), "mlops-tests", Guid.NewGuid().ToString("N"), "fetched", "model.onnx");

    private static async Task<(PublishedModels Models, ModelVersionRecord Record)> PushedAsync(StackExchange.Redis.IConnectionMultiplexer redis)
    {
        var models = PublishedModels.Over(redis);
        return (models, (await models.PushAsync("1")).Record);
    }

    [Fact]
    public async Task FetchAsync_FromADirectoryAndOverHttp_CopiesTheRecordedBytes()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (models, record) = await PushedAsync(redis);
        await using var server = await StaticFileServer.StartAsync(models.Store.Root);

        foreach (var location in new[] { models.Store.Root, server.Address, server.Address + "/" })
        {
            using var source = ArtifactSource.Open(location);
            var destination = Destination();
            await source.FetchAsync((await models.Registry.GetAsync(record.Model, record.Version))!, destination);

            Assert.Equal(File.ReadAllBytes(models.Propensity("1")), File.ReadAllBytes(destination));
            Assert.Equal([destination], Directory.GetFiles(Path.GetDirectoryName(destination)!));
        }
    }

    [Fact]
    public async Task FetchAsync_CorruptedCopy_RefusedWithBothHashesAndNothingLeft()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (models, record) = await PushedAsync(redis);
        var stored = models.Store.PathOf(record);
        var bytes = File.ReadAllBytes(stored);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(stored, bytes);
        var corrupted = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        await using var server = await StaticFileServer.StartAsync(models.Store.Root);

        foreach (var location in new[] { models.Store.Root, server.Address })
        {
            using var source = ArtifactSource.Open(location);
            var destination = Destination();

            var ex = await Assert.ThrowsAsync<ArtifactIntegrityException>(() => source.FetchAsync(record, destination));

            Assert.Contains(record.Sha256, ex.Message);
            Assert.Contains(corrupted, ex.Message);
            Assert.Equal((record.Sha256, corrupted), (ex.Expected, ex.Actual));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(destination)!));
        }
    }

    [Fact]
    public async Task FetchAsync_MissingFile_RefusedNamingWhere()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (models, record) = await PushedAsync(redis);
        var missing = record with { Version = "9", Artifact = $"{record.Model}/9/model.onnx" };
        await using var server = await StaticFileServer.StartAsync(models.Store.Root);
        using var directory = ArtifactSource.Open(models.Store.Root);
        using var http = ArtifactSource.Open(server.Address);

        var notThere = await Assert.ThrowsAsync<FileNotFoundException>(() => directory.FetchAsync(missing, Destination()));
        var notServed = await Assert.ThrowsAsync<HttpRequestException>(() => http.FetchAsync(missing, Destination()));

        Assert.Contains(Path.Combine(record.Model, "9", "model.onnx"), notThere.Message);
        Assert.Contains("answered 404", notServed.Message);
    }

    [Fact]
    public async Task FetchAsync_RecordWhoseVersionClimbsOutOfTheStore_RefusedBeforeAnythingIsRead()
    {
        await using var redis = await TestRedis.ConnectAsync();
        var (models, record) = await PushedAsync(redis);
        using var source = ArtifactSource.Open(models.Store.Root);

        var ex = await Assert.ThrowsAsync<IOException>(() => source.FetchAsync(record with { Version = "../../x" }, Destination()));

        Assert.Contains("version", ex.Message);
    }
}
