using System.Runtime.InteropServices;
using Inference;
using MlopsGateway.Cli;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Cli;

public class BaselineInputsTests
{
    private static readonly BaselineProfile s_profile = PropensityBaseline.Build();
    private static readonly ChosenBaseline s_baseline = new(s_profile, "given by --version");
    private static readonly Dictionary<string, long[]> s_noShapes = [];

    private static (IReadOnlyList<ModelInferRequest> Requests, string Description) Build(string shifts, int rows = 4, bool raw = true) =>
        BaselineInputs.Build(TestModels.PropensityMetadata(), s_baseline, "1", rows, s_noShapes,
            FeatureShift.ParseList(shifts.Length == 0 ? [] : [shifts]), seed: 1, raw);

    /// <summary>Every row the requests carry, feature by feature.</summary>
    private static float[][] Columns(IReadOnlyList<ModelInferRequest> requests)
    {
        var values = requests.SelectMany(r => r.RawInputContents.Count > 0
            ? MemoryMarshal.Cast<byte, float>(r.RawInputContents[0].Span).ToArray()
            : [.. r.Inputs[0].Contents.Fp32Contents]).ToArray();
        return [.. Enumerable.Range(0, 5).Select(f => values.Where((_, i) => i % 5 == f).ToArray())];
    }

    [Fact]
    public void Build_OneSdShift_MovesThatFeaturesMeanByOneSdAndNoOther()
    {
        var (plain, _) = Build("");
        var (shifted, description) = Build("visits_30d=+1sd");

        var before = Columns(plain);
        var after = Columns(shifted);
        var sd = s_profile.Features[0].StdDev;
        Assert.Equal(before[0].Average() + sd, after[0].Average(), 3);
        Assert.All(before[0].Zip(after[0]), p => Assert.Equal(p.First + sd, p.Second, 4));
        Assert.All(Enumerable.Range(1, 4), f => Assert.Equal(before[f], after[f]));
        Assert.Contains($"shifted visits_30d=+1sd (+{sd:G4} on mean {s_profile.Features[0].Mean:G4})", description);
    }

    [Theory]
    [InlineData("minutes_on_site=*1.2", 1.2, 0)]
    [InlineData("days_since_purchase=-3", 1, -3)]
    public void Build_ScaleOrAmount_EveryValueOfThatFeatureMoved(string shift, double factor, double added)
    {
        var feature = shift.StartsWith("minutes", StringComparison.Ordinal) ? 1 : 3;

        var before = Columns(Build("").Requests)[feature];
        var after = Columns(Build(shift).Requests)[feature];

        Assert.All(before.Zip(after), p => Assert.Equal((p.First * factor) + added, p.Second, 3));
    }

    [Fact]
    public void Build_RequestsCarryEnoughRowsForTheDistributionAndSayWhatTheyAre()
    {
        var (requests, description) = Build("", rows: 64, raw: false);

        Assert.Equal(BaselineInputs.MinRequests, requests.Count);
        Assert.All(requests, r => Assert.Equal([64L, 5], r.Inputs[0].Shape));
        Assert.All(requests, r => Assert.Equal(("propensity", "1"), (r.ModelName, r.ModelVersion)));
        Assert.Equal(BaselineInputs.MinRows, Columns(requests)[0].Length);
        Assert.Equal(BaselineInputs.MinRows, Columns(Build("", rows: 1).Requests)[0].Length);
        Assert.Equal("features FP32 [64, 5] from the baseline of propensity version 1 (given by --version; training:propensity.csv, 20000 rows): "
            + "16384 rows drawn from its 1000-row sample, weighted to its bins; no feature shifted", description);
    }

    [Fact]
    public void Build_ShiftOfAFeatureTheBaselineDoesNotHave_RefusedListingItsFeatures()
    {
        var ex = Assert.Throws<ArgumentException>(() => Build("visits=+1sd"));

        Assert.Equal("--shift names no feature of the baseline of propensity version 1: visits. "
            + "Its features: visits_30d, minutes_on_site, cart_items, days_since_purchase, email_opens_30d.", ex.Message);
    }

    [Fact]
    public void Build_ModelWhoseInputDoesNotFitTheBaseline_Refused()
    {
        var metadata = TestModels.Metadata("propensity", ("features", "FP32", [-1, 3]));

        var ex = Assert.Throws<ArgumentException>(() => BaselineInputs.Build(metadata, s_baseline, null, 1, s_noShapes, [], 1, raw: true));

        Assert.Contains("has 5 features; input 'features' is FP32 [1, 3], not numbers of shape [rows, 5]", ex.Message);
    }
}
