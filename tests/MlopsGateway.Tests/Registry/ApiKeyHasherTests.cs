using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Registry;

public class ApiKeyHasherTests
{
    [Fact]
    public void Hash_KnownInput_GivesSha256Hex()
    {
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeyHasher.Hash("abc"));
    }

    [Fact]
    public void Hash_NonAsciiSecret_HashesUtf8Bytes()
    {
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("clé-ü"u8)),
            ApiKeyHasher.Hash("clé-ü"));
    }

    [Fact]
    public void NewSecret_TwoCalls_DifferAndCarryPrefix()
    {
        var a = ApiKeyHasher.NewSecret();
        var b = ApiKeyHasher.NewSecret();
        Assert.NotEqual(a, b);
        Assert.StartsWith(ApiKeyHasher.SecretPrefix, a);
        Assert.True(a.Length >= 40, a);
        Assert.DoesNotContain('+', a);
        Assert.DoesNotContain('/', a);
    }

    [Theory]
    [InlineData(new[] { "*" }, "anything", true)]
    [InlineData(new[] { "propensity" }, "propensity", true)]
    [InlineData(new[] { "propensity" }, "Propensity", false)]
    [InlineData(new[] { "a", "b" }, "c", false)]
    public void Allows_ModelList_MatchesExactNamesOrWildcard(string[] models, string model, bool expected)
    {
        var record = new ApiKeyRecord("id", "name", "hash", models, DateTimeOffset.UnixEpoch);
        Assert.Equal(expected, record.Allows(model));
    }
}
