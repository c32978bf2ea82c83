using System.Text.Json;
using MlopsGateway.Registry.Rollouts;

namespace MlopsGateway.Tests.Registry.Rollouts;

public class VerdictJsonTests
{
    private static CriterionVerdict Judged(Verdict verdict) =>
        new("error_rate", 9.5, 0.5, 0.1, 9.6, 1000, 1000, "two-proportion z, one-sided", 0.0001, verdict, "judged");

    [Theory]
    [InlineData(Verdict.Inconclusive, "inconclusive")]
    [InlineData(Verdict.Pass, "pass")]
    [InlineData(Verdict.Fail, "fail")]
    public void Serialize_VerdictSpeltOut_AndANumberFromAnOlderRecordStillRead(Verdict verdict, string spelt)
    {
        var json = JsonSerializer.Serialize(Judged(verdict));

        Assert.Contains($"\"verdict\":\"{spelt}\"", json, StringComparison.Ordinal);
        Assert.Equal(verdict, JsonSerializer.Deserialize<CriterionVerdict>(json)!.Verdict);
        var older = json.Replace($"\"{spelt}\"", ((int)verdict).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(verdict, JsonSerializer.Deserialize<CriterionVerdict>(older)!.Verdict);
    }
}
