using MlopsGateway.Worker.Access;

namespace MlopsGateway.Tests.Worker.Access;

public sealed class SecretSetTests
{
    private const string Current = "current-secret-0123456789abcdefghij";
    private const string Next = "next-secret-0123456789abcdefghijklmn";

    [Theory]
    [InlineData(Current)]
    [InlineData(Next)]
    public void Matches_EitherOfTwo_True(string presented)
    {
        Assert.True(new SecretSet([Current, Next]).Matches(presented));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("current-secret-0123456789abcdefghi")]
    [InlineData(Current + "k")]
    [InlineData("CURRENT-SECRET-0123456789ABCDEFGHIJ")]
    [InlineData(Current + "\n" + Next)]
    public void Matches_NotExactlyOne_False(string? presented)
    {
        Assert.False(new SecretSet([Current, Next]).Matches(presented));
    }

    [Fact]
    public void Matches_NoSecrets_NothingMatches()
    {
        var none = new SecretSet([]);

        Assert.True(none.IsEmpty);
        Assert.False(none.Matches(""));
        Assert.False(none.Matches(Current));
    }
}
