using MlopsGateway.Monitoring.Sketches;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Tests.Sketches;

public class VersionSketchTests
{
    private static readonly DateTimeOffset s_from = DateTimeOffset.UnixEpoch;
    private static readonly DateTimeOffset s_to = s_from.AddSeconds(5);

    /// <summary>The classifier baseline's counts of <paramref name="rows"/>, computed directly from the bin rules.</summary>
    private static WindowCounts Direct(float[] rows, long[] labels)
    {
        var count = rows.Length / 3;
        long[] x = new long[4], kind = new long[4], y = new long[4], prediction = new long[3];
        long xMissing = 0;
        double[] xEdges = [1, 2, 3], yEdges = [-1, 0, 1];
        float[] codes = [0, 3, 7];
        for (var r = 0; r < count; r++)
        {
            if (float.IsNaN(rows[r * 3]))
            {
                xMissing++;
            }
            else
            {
                x[xEdges.Count(e => e <= rows[r * 3])]++;
            }
            var code = Array.IndexOf(codes, rows[(r * 3) + 1]);
            kind[code < 0 ? 3 : code]++;
            y[yEdges.Count(e => e <= rows[(r * 3) + 2])]++;
            prediction[labels[r] is 0 or 1 ? labels[r] : 2]++;
        }
        return new WindowCounts("m", "1", s_from, s_to, count, [x, kind, y], [xMissing, 0, 0], prediction);
    }

    [Fact]
    public void Update_BatchesOfRows_TakeEqualsTheDirectCountAndStartsOver()
    {
        var sketch = new VersionSketch(TestBaselines.Classifier());
        var rows = TestBaselines.ClassifierRows(500, seed: 1);
        var labels = TestBaselines.Labels(500, seed: 2);

        for (var start = 0; start < 500; start += 50)
        {
            sketch.Update(rows.AsSpan(start * 3, 150), 50, BatchPredictions.FromLabels(labels.AsSpan(start, 50)));
        }
        var taken = sketch.Take(s_from, s_to);
        var again = sketch.Take(s_to, s_to.AddSeconds(5));

        TestBaselines.AssertSameCounts(Direct(rows, labels), taken);
        Assert.True(taken.Missing[0] > 0, "the seeded rows hold NaNs");
        Assert.Equal(("m", "1", s_from, s_to), (taken.Model, taken.Version, taken.From, taken.To));
        Assert.Equal(0, again.Rows);
        Assert.All(again.Features, bins => Assert.All(bins, count => Assert.Equal(0, count)));
        Assert.Equal([0, 0, 0], again.Prediction!);
    }

    [Fact]
    public void Update_Probabilities_TheLargestIsTheClass()
    {
        var sketch = new VersionSketch(TestBaselines.Classifier());
        float[] probabilities = [0.9f, 0.1f, 0.2f, 0.8f, 0.3f, 0.7f, float.NaN, float.NaN];

        sketch.Update(new float[12], 4, BatchPredictions.FromProbabilities(probabilities, 2));

        Assert.Equal([1, 2, 1], sketch.Take(s_from, s_to).Prediction!);
    }

    [Fact]
    public void Update_RegressorValues_BinnedByThePredictionProfile()
    {
        var sketch = new VersionSketch(TestBaselines.Regressor());
        float[] values = [5, 10, 15, 25, float.NaN];

        sketch.Update([0.1f, 0.5f, 0.5f, 0.9f, float.NaN], 5, BatchPredictions.FromValues(values));
        var taken = sketch.Take(s_from, s_to);

        Assert.Equal([1, 0, 2, 1], taken.Features[0]);
        Assert.Equal([1], taken.Missing);
        Assert.Equal([1, 2, 1], taken.Prediction!);
    }

    [Fact]
    public void Update_NoPredictions_RowsCountedPredictionLeftEmpty()
    {
        var sketch = new VersionSketch(TestBaselines.Classifier());

        sketch.Update(TestBaselines.ClassifierRows(10, seed: 3), 10, BatchPredictions.None);
        var taken = sketch.Take(s_from, s_to);

        Assert.Equal(10, taken.Rows);
        Assert.Equal([0, 0, 0], taken.Prediction!);
    }

    [Fact]
    public void Update_InputNotRowsTimesFeatures_Refused() =>
        Assert.Throws<ArgumentException>(() => new VersionSketch(TestBaselines.Classifier()).Update(new float[10], 3, BatchPredictions.None));

    [Fact]
    public void Update_AfterWarmUp_AllocatesNothing()
    {
        var sketch = new VersionSketch(TestBaselines.Classifier());
        var rows = TestBaselines.ClassifierRows(64, seed: 4);
        var labels = TestBaselines.Labels(64, seed: 5);
        sketch.Update(rows, 64, BatchPredictions.FromLabels(labels));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            sketch.Update(rows, 64, BatchPredictions.FromLabels(labels));
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(101 * 64, sketch.Take(s_from, s_to).Rows);
    }

    [Fact]
    public async Task Update_ConcurrentBatchesWhileTaking_EveryBatchInExactlyOneTake()
    {
        var sketch = new VersionSketch(TestBaselines.Classifier());
        var rows = TestBaselines.ClassifierRows(16, seed: 6);
        var labels = TestBaselines.Labels(16, seed: 7);
        var one = Direct(rows, labels);
        const int writers = 4, batches = 5000;
        var taken = new List<WindowCounts>();
        using var done = new CancellationTokenSource();
        var taker = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                var counts = sketch.Take(s_from, s_to);
                taken.Add(counts);
                // Every batch lands whole in one take: its rows and its predictions together.
                Assert.Equal(counts.Rows, counts.Prediction!.Sum());
                Assert.Equal(counts.Rows, counts.Features[2].Sum());
            }
        });

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() =>
        {
            for (var b = 0; b < batches; b++)
            {
                sketch.Update(rows, 16, BatchPredictions.FromLabels(labels));
            }
        })));
        await done.CancelAsync();
        await taker;
        taken.Add(sketch.Take(s_from, s_to));

        const long total = writers * batches;
        Assert.Equal(total * 16, taken.Sum(t => t.Rows));
        for (var f = 0; f < 3; f++)
        {
            Assert.Equal(one.Features[f].Select(c => c * total), Enumerable.Range(0, one.Features[f].Length).Select(b => taken.Sum(t => t.Features[f][b])));
        }
        Assert.Equal(one.Prediction!.Select(c => c * total), Enumerable.Range(0, 3).Select(b => taken.Sum(t => t.Prediction![b])));
    }
}
