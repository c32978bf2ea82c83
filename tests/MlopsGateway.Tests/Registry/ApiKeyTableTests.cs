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
    [InlineData("secret-on")]
    [InlineData("SECRET-ONE")]
    [InlineData("secret-one ")]
    public void Find_OtherSecret_ReturnsNull(string secret)
    {
        var table = new ApiKeyTable([Record("secret-one", "one")]);
        Assert.Null(table.Find(secret));
    }

    [Fact]
    public void Find_EmptyTable_ReturnsNull()
    {
        Assert.Null(ApiKeyTable.Empty.Find("secret-one"));
    }
}
