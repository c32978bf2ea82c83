using System.Text;
using System.Text.Json;
using MlopsGateway.Registry.Feedback;

namespace MlopsGateway.Tests.Registry.Feedback;

/// <summary>
/// Predictions encoded as they are recorded: each line is what the store writes (the id, a space, the
/// stored JSON, a newline), reads back as the record it was made from, and a batch refuses what does
/// not fit rather than growing past its bounds.
/// </summary>
public sealed class PredictionBatchTests
{
    private static readonly DateTimeOffset s_at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_670_000_123);

    [Fact]
    public void TryAdd_LinesAreTheStoredJsonAndReadBack()
    {
        var batch = new PredictionBatch(8, 1 << 16);
        var made = PredictionIds.New(s_at);

        Assert.True(batch.TryAdd("propensity", "1", made, -1, s_at, 1, [0.25f, 0.75f], null));
        Assert.True(batch.TryAdd("propensity", "1", made, 3, s_at, 0, [], null));
        Assert.True(batch.TryAdd("price", "2", "order-17 ünï", -1, s_at, null, [], 12.5));

        var text = Encoding.UTF8.GetString(batch.Bytes);
        Assert.Equal(
            $"{made} {{\"v\":\"1\",\"t\":1764670000123,\"c\":1,\"p\":[0.25,0.75]}}\n" +
            $"{made}#3 {{\"v\":\"1\",\"t\":1764670000123,\"c\":0}}\n" +
            "order-17 ünï {\"v\":\"2\",\"t\":1764670000123,\"x\":12.5}\n", text);
        var records = batch.Records();
        Assert.Equal(new PredictionRecord("propensity", made, "1", s_at, 1), records[0] with { Probabilities = null });
        Assert.Equal([0.25f, 0.75f], records[0].Probabilities);
        Assert.Equal(new PredictionRecord("propensity", made + "#3", "1", s_at, 0), records[1]);
        Assert.Equal(new PredictionRecord("price", "order-17 ünï", "2", s_at, Value: 12.5), records[2]);
        // A made id's records go to its block; a caller's to the hour's hash.
        Assert.True(PredictionIds.TryBlockOf(made, out var block));
        Assert.Equal([block, block, PredictionBatch.NoBlock], batch.Entries.ToArray().Select(e => e.Block));
    }

    [Fact]
    public void TryAdd_FloatsAsTheSerializerWritesThem()
    {
        // Older workers wrote these lines with Utf8JsonWriter: the same text for the same numbers.
        float[] shares = [0.1f, 1e-7f, 0.33333334f, 3.4028235e38f, -0f];
        var batch = new PredictionBatch(1, 1 << 12);

        Assert.True(batch.TryAdd("m", "1", "a", -1, s_at, 0, shares, null));

        var json = Encoding.UTF8.GetString(batch.Bytes)[2..^1];
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonSerializer.Serialize(shares), document.RootElement.GetProperty("p").GetRawText());
        Assert.Equal(shares, batch.Records()[0].Probabilities);
    }

    [Fact]
    public void TryAdd_Full_RefusedAndNothingAdded()
    {
        var byCount = new PredictionBatch(2, 1 << 16);
        Assert.True(byCount.TryAdd("m", "1", "a", -1, s_at, 0, [], null));
        Assert.True(byCount.TryAdd("m", "1", "b", -1, s_at, 0, [], null));
        Assert.False(byCount.TryAdd("m", "1", "c", -1, s_at, 0, [], null));
        Assert.Equal(["a", "b"], byCount.Records().Select(r => r.Id));

        // 200 bytes of lines: one row of a thousand probabilities cannot fit, a short line still can.
        var byBytes = new PredictionBatch(10, 200);
        Assert.False(byBytes.TryAdd("m", "1", "wide", -1, s_at, 0, new float[1000], null));
        Assert.Equal((0, 0), (byBytes.Count, byBytes.Length));
        Assert.True(byBytes.TryAdd("m", "1", "short", -1, s_at, 0, [], null));

        byCount.Clear();
        Assert.Equal((0, 0), (byCount.Count, byCount.Length));
        Assert.True(byCount.TryAdd("m", "1", "d", -1, s_at, 0, [], null));
        Assert.Equal("d", Assert.Single(byCount.Records()).Id);
    }

    [Fact]
    public void TryAdd_NotFiniteOrNeitherClassNorValue_Refused()
    {
        var batch = new PredictionBatch(4, 1 << 12);

        Assert.Throws<ArgumentException>(() => batch.TryAdd("m", "1", "a", -1, s_at, 0, [float.NaN, 1], null));
        Assert.Throws<ArgumentException>(() => batch.TryAdd("m", "1", "a", -1, s_at, null, [], double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => batch.TryAdd("m", "1", "a", -1, s_at, null, [], null));
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void AddFrom_MovesTheLinesThatFitInOrder()
    {
        var into = new PredictionBatch(3, 1 << 12);
        Assert.True(into.TryAdd("m", "1", "first", -1, s_at, 1, [], null));
        var own = new PredictionBatch(8, 1 << 12);
        foreach (var id in new[] { "a", "b", "c" })
        {
            Assert.True(own.TryAdd("m", "1", id, -1, s_at, 0, [0.5f, 0.5f], null));
        }

        var moved = into.AddFrom(own);

        // Room for two more: the first two moved, their lines after the one already there.
        Assert.Equal(2, moved);
        Assert.Equal(["first", "a", "b"], into.Records().Select(r => r.Id));
        Assert.Equal([0.5f, 0.5f], into.Records()[2].Probabilities);
        Assert.Equal(0, into.AddFrom(own));
    }

    [Fact]
    public void CountByModel_CountsEachModelsPredictions()
    {
        var batch = new PredictionBatch(8, 1 << 12);
        foreach (var model in new[] { "a", "b", "a", "a" })
        {
            Assert.True(batch.TryAdd(model, "1", "id", -1, s_at, 0, [], null));
        }
        var counts = new Dictionary<string, int>();

        batch.CountByModel(counts);

        Assert.Equal(new Dictionary<string, int> { ["a"] = 3, ["b"] = 1 }, counts);
    }
}
