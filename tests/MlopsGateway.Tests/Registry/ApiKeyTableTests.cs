using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Registry;

public class ApiKeyTableTests
{
    private static ApiKeyRecord Record(string secret, string name) =>
        new(ApiKeyHasher.NewId(), name, ApiKeyHasher.Hash(secret), ["*"], DateTimeOffset.UnixEpoch);

    [Fact]
    public void Find_KnownSecret_ReturnsItsRecord()
    {
        var table = new ApiKeyTable([Record("secret-one", "one"), Record("secret-two", "two")]);
        Assert.Equal("two", table.Find("secret-two")?.Name);
        Assert.Equal(2, table.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("secret-one-and-more")]
    [InlineData("secret-on")]
    [InlineData("SECRET-ONE")]
    [InlineData("secret-one ")]
    public void Find_OtherSecret_ReturnsNull(string secret)
    {
        var table = new ApiKeyTable([Record("secret-one", "one")]);
        Assert.Null(table.Find(secret));
    }

    [Fact]
    public void Find_AfterAMatch_OnlyTheSameSecretMatchesAgain()
    {
        var table = new ApiKeyTable([Record("secret-one", "one")]);
        Assert.Equal("one", table.Find("secret-one")?.Name);

        // A remembered secret must not make its prefixes, extensions or case variants match.
        Assert.Equal("one", table.Find("xxsecret-oneyy".AsSpan(2, 10))?.Name);
        Assert.Null(table.Find("secret-on"));
        Assert.Null(table.Find("secret-one!"));
        Assert.Null(table.Find("Secret-one"));
        Assert.Equal(1, table.RememberedCount);
    }

    [Fact]
    public void Find_UnknownSecrets_AreNeverRemembered()
    {
        var table = new ApiKeyTable([Record("secret-one", "one")]);

        for (var i = 0; i < 100; i++)
        {
            Assert.Null(table.Find($"guess-{i}"));
        }

        Assert.Equal(0, table.RememberedCount);
    }

    [Fact]
    public void Find_EmptyTable_ReturnsNull()
    {
        Assert.Null(ApiKeyTable.Empty.Find("secret-one"));
    }
}
