using MlopsGateway.Registry;

namespace MlopsGateway.Tests.Registry;

public class RedisKeysTests
{
    private static string[] Every(RedisKeys keys) =>
    [
        keys.ApiKeys, keys.ApiKeysChanged, keys.ApiKeysAudit, keys.Routes, keys.RoutesChanged, keys.RoutesAudit,
        keys.Generation, keys.Workers, keys.WorkersChanged, keys.Worker("w-1"), keys.Key("anything"),
    ];

    [Fact]
    public void Default_EveryKeyAndChannelStartsWithTheHashTaggedNamespace()
    {
        var keys = RedisKeys.Default;

        Assert.Equal("mlops", keys.Namespace);
        Assert.Equal("{mlops}:keys", keys.ApiKeys);
        Assert.Equal("{mlops}:routes:changed", keys.RoutesChanged);
        Assert.Equal("{mlops}:generation", keys.Generation);
        Assert.Equal("{mlops}:worker:w-1", keys.Worker("w-1"));
        Assert.All(Every(keys), k => Assert.StartsWith("{mlops}:", k, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Prod")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("{x}")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefghi")]
    public void New_NameBreakingTheRule_RefusedNamingTheRule(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => new RedisKeys(name));

        Assert.Contains(RedisKeys.NamespaceRule, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("prod-eu.v2_blue")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh")]
    public void New_NameWithinTheRule_Accepted(string name) =>
        Assert.Equal("{" + name + "}:keys", new RedisKeys(name).ApiKeys);
}
