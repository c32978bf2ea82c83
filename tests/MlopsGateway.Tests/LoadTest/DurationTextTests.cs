using MlopsGateway.LoadTest;

namespace MlopsGateway.Tests.LoadTest;

public class DurationTextTests
{
    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5", 1_500)]
    [InlineData("250us", 0.25)]
    [InlineData("0", 0)]
    public void TryParse_CommonForms_Duration(string text, double milliseconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ten seconds")]
    [InlineData("-1s")]
    [InlineData("5 fortnights")]
    public void TryParse_NotADuration_False(string text) => Assert.False(DurationText.TryParse(text, out _));
}
