using MlopsGateway.Registry;
using MlopsGateway.Tests.Infrastructure;

namespace MlopsGateway.Tests.Registry;

/// <summary>Reading connection strings in both forms, and the one redaction every printed or logged one goes through.</summary>
public class RedisConnectionStringTests
{
    private const string Secret = "s3cret-pw";

    [Theory]
    [InlineData("10.0.0.7:6379,password=s3cret-pw", "10.0.0.7:6379,password=*****")]
    [InlineData("10.0.0.7:6379,ssl=true,Password = s3cret-pw,abortConnect=false", "10.0.0.7:6379,ssl=true,Password = *****,abortConnect=false")]
    [InlineData("sentinel:26379,serviceName=m,sentinelPassword=s3cret-pw", "sentinel:26379,serviceName=m,sentinelPassword=*****")]
    [InlineData("rediss://alice:s3cret-pw@redis.example:6380/2", "rediss://alice:*****@redis.example:6380/2")]
    [InlineData("redis://:s3cret-pw@127.0.0.1:6379", "redis://:*****@127.0.0.1:6379")]
    [InlineData("redis://s3cret-pw@127.0.0.1", "redis://*****@127.0.0.1")]
    [InlineData("connecting to 'http://bob:s3cret-pw@10.0.0.5:5001' failed", "connecting to 'http://bob:*****@10.0.0.5:5001' failed")]
    [InlineData("10.0.0.7:6379,ssl=true", "10.0.0.7:6379,ssl=true")]
    [InlineData("rediss://redis.example:6380", "rediss://redis.example:6380")]
    [InlineData("10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000,password=s3cret-pw", "10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000,password=*****")]
    [InlineData("rediss://:s3cret-pw@10.0.0.1:7000,10.0.0.2:7000/0", "rediss://:*****@10.0.0.1:7000,10.0.0.2:7000/0")]
    public void Redact_EachForm_PasswordMaskedAndTheRestKept(string text, string expected)
    {
        Assert.Equal(expected, RedisConnectionString.Redact(text));
    }

    [Fact]
    public void Redact_MessageQuotingThePasswordAlone_MaskedThere()
    {
        var message = $"AUTH failed: WRONGPASS for '{Secret}' on 10.0.0.7:6379";

        var redacted = RedisConnectionString.Redact(message, "10.0.0.7:6379,password=" + Secret);

        Assert.DoesNotContain(Secret, redacted);
        Assert.Contains("10.0.0.7:6379", redacted);
    }

    [Fact]
    public void Redact_MessageAndUriConnectionString_UriPasswordMasked()
    {
        var redacted = RedisConnectionString.Redact($"timeout; last password tried {Secret}", $"rediss://alice:{Secret}@redis.example:6380");

        Assert.Equal("timeout; last password tried *****", redacted);
    }

    [Fact]
    public void Parse_RedissUri_TlsUserPasswordPortAndDatabase()
    {
        var options = RedisConnectionString.Parse($"rediss://alice:{Secret}@redis.example:6380/2");

        Assert.True(options.Ssl);
        Assert.Equal("alice", options.User);
        Assert.Equal(Secret, options.Password);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.Equal("Unspecified/redis.example:6380", Assert.Single(options.EndPoints).ToString());
    }

    [Fact]
    public void Parse_RedisUriWithoutPort_CleartextOnTheDefaultPort()
    {
        var options = RedisConnectionString.Parse("redis://127.0.0.1");

        Assert.False(options.Ssl);
        Assert.Null(options.Password);
        Assert.Equal("127.0.0.1:6379", Assert.Single(options.EndPoints).ToString());
    }

    [Fact]
    public void Parse_SslTrueInTheLibrarysForm_TlsOn()
    {
        Assert.True(RedisConnectionString.Parse("127.0.0.1:6380,ssl=true").Ssl);
    }

    [Theory]
    [InlineData("redis://alice:s3cret-pw@redis.example/zero")]
    [InlineData("http://alice:s3cret-pw@redis.example")]
    public void Parse_BadUri_RefusedWithoutThePassword(string text)
    {
        var refused = Assert.Throws<ArgumentException>(() => RedisConnectionString.Parse(text));

        Assert.DoesNotContain(Secret, refused.Message);
    }

    [Fact]
    public async Task KeysList_UnreachableRedisWithPassword_ErrorNamesTheEndpointNotThePassword()
    {
        var (exit, output, error) = await CliRunner.RunAsync("keys", "list", "--redis", $"rediss://alice:{Secret}@127.0.0.1:1");

        Assert.Equal(1, exit);
        Assert.Contains("127.0.0.1:1", error);
        Assert.DoesNotContain(Secret, output + error);
    }

    [Theory]
    [InlineData("10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:7002,password=s3cret-pw", false)]
    [InlineData("rediss://:s3cret-pw@10.0.0.1:7000,10.0.0.2:7001, 10.0.0.3:7002/0", true)]
    public void Parse_SeveralNodes_EveryEndPointAndThePassword(string text, bool tls)
    {
        var options = RedisConnectionString.Parse(text);

        Assert.Equal(["10.0.0.1:7000", "10.0.0.2:7001", "10.0.0.3:7002"], options.EndPoints.Select(e => e.ToString()));
        Assert.Equal((Secret, tls), (options.Password, options.Ssl));
    }

    [Fact]
    public void Parse_UriWithABadSecondHost_RefusedWithoutThePassword()
    {
        var ex = Assert.Throws<ArgumentException>(() => RedisConnectionString.Parse("redis://:s3cret-pw@10.0.0.1:7000,:bad:"));

        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
        Assert.Contains(":bad:", ex.Message, StringComparison.Ordinal);
    }
}
