using MlopsGateway.Cli;

namespace MlopsGateway.Tests.Cli;

public class FeatureShiftTests
{
    [Theory]
    [InlineData("visits_30d=+1sd", nameof(ShiftKind.StdDevs), 1)]
    [InlineData("visits_30d=-0.5sd", nameof(ShiftKind.StdDevs), -0.5)]
    [InlineData("visits_30d = +3", nameof(ShiftKind.Add), 3)]
    [InlineData("visits_30d=-2.5", nameof(ShiftKind.Add), -2.5)]
    [InlineData("visits_30d=*1.2", nameof(ShiftKind.Scale), 1.2)]
    public void Parse_EachForm(string text, string kind, double amount)
    {
        Assert.Equal(new FeatureShift("visits_30d", Enum.Parse<ShiftKind>(kind), amount), FeatureShift.Parse(text));
    }

    [Fact]
    public void Apply_SdShiftAddsSdsAmountAddsScaleMultiplies()
    {
        Assert.Equal(14, FeatureShift.Parse("x=+2sd").Apply(10, stdDev: 2));
        Assert.Equal(7, FeatureShift.Parse("x=-3").Apply(10, stdDev: 2));
        Assert.Equal(12, FeatureShift.Parse("x=*1.2").Apply(10, stdDev: 2), 10);
        Assert.Equal("x=-0.5sd", FeatureShift.Parse("x=-0.5sd").ToString());
    }

    [Fact]
    public void ParseList_CommaSeparatedAndRepeated()
    {
        var shifts = FeatureShift.ParseList(["a=+1sd,b=*2", "c=-1"]);

        Assert.Equal(["a", "b", "c"], shifts.Select(s => s.Feature));
    }

    [Theory]
    [InlineData("visits_30d", "--shift 'visits_30d': expected FEATURE=CHANGE.")]
    [InlineData("visits_30d=3", "--shift 'visits_30d=3': give the change a sign (+3 or -3) to add it")]
    [InlineData("visits_30d=+onesd", "--shift 'visits_30d=+onesd': not a number.")]
    [InlineData("visits_30d=*-1", "--shift 'visits_30d=*-1': a scale is '*' and a factor of 0 or more")]
    [InlineData("=+1sd", "--shift '=+1sd': expected FEATURE=CHANGE.")]
    public void Parse_NotAShift_RefusedSayingHowToWriteOne(string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => FeatureShift.Parse(text));

        Assert.StartsWith(message, ex.Message);
        Assert.Contains("Forms: FEATURE=+1sd", ex.Message);
    }

    [Fact]
    public void ParseList_SameFeatureTwice_Refused()
    {
        var ex = Assert.Throws<FormatException>(() => FeatureShift.ParseList(["a=+1sd", "a=+2"]));

        Assert.Equal("--shift: feature 'a' is shifted twice; give one shift per feature.", ex.Message);
    }
}
