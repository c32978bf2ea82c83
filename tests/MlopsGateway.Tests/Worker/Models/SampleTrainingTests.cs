using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using MlopsGateway.Monitoring.Baselines;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Tests.Worker.Models;

public class SampleTrainingTests(ITestOutputHelper output)
{
    private static long[] Classes(string repository, string version, float[] flat, int rows)
    {
        using var session = new InferenceSession(Path.Combine(repository, SampleModels.Propensity, version, ModelRepository.ModelFileName));
        using var input = OrtValue.CreateTensorValueFromMemory(flat, [rows, SampleModels.PropensityFeatures.Count]);
        using var results = session.Run(new RunOptions(), ["features"], [input], ["label"]);
        return results[0].GetTensorDataAsSpan<long>().ToArray();
    }

    [Fact]
    public void PropensityTraining_BothVersionsOverIt_DisagreeOnAVisibleShareOfRows()
    {
        var repository = Directory.CreateTempSubdirectory("propensity-").FullName;
        try
        {
            SampleModels.WritePropensity(repository);
            var rows = BaselineRows.Read(Path.Combine(repository, SampleModels.Propensity, SampleModels.TrainingFileName));
            var flat = rows.Rows.SelectMany(r => r).ToArray();

            var v1 = Classes(repository, "1", flat, rows.Rows.Count);
            var v2 = Classes(repository, "2", flat, rows.Rows.Count);

            var disagree = v1.Zip(v2).Count(p => p.First != p.Second) / (double)v1.Length;
            output.WriteLine($"propensity v1 and v2 disagree on {disagree:P1} of {v1.Length} training rows; purchase share v1 {v1.Average():P1}, v2 {v2.Average():P1}");
            Assert.Equal(SampleModels.PropensityFeatures, rows.Columns);
            Assert.Equal(SampleModels.PropensityTrainingRows, rows.Rows.Count);
            Assert.InRange(disagree, 0.05, 0.20);
            Assert.InRange(v1.Average(), 0.1, 0.5);
        }
        finally
        {
            Directory.Delete(repository, recursive: true);
        }
    }

    [Fact]
    public void PropensityTraining_Features_ShapedLikeVisitors()
    {
        var rows = SampleModels.PropensityTraining();
        double[] Column(int i) => [.. rows.Select(r => (double)r[i])];
        static double Median(double[] values) => values.Order().ElementAt(values.Length / 2);

        var visits = Column(0);
        var minutes = Column(1);
        var cart = Column(2);
        var days = Column(3);
        var emails = Column(4);

        Assert.Equal(rows.Select(r => r.ToArray()), SampleModels.PropensityTraining().Select(r => r.ToArray()));
        Assert.All([visits, cart, days, emails], column => Assert.All(column, v => Assert.Equal(Math.Floor(v), v)));
        Assert.All(rows.SelectMany(r => r), v => Assert.True(v >= 0));
        Assert.InRange(visits.Average(), 5, 9);
        // Skewed: a long tail pulls the mean well above the median.
        Assert.True(minutes.Average() > Median(minutes) * 1.2, $"minutes mean {minutes.Average()} median {Median(minutes)}");
        Assert.InRange(cart.Max(), 4, 30);
        Assert.InRange(cart.Count(v => v == 0) / (double)cart.Length, 0.3, 0.6);
        Assert.InRange(days.Max(), 100, 365);
        Assert.True(days.Average() > Median(days));
        Assert.InRange(emails.Average(), 2, 5);
    }
}
