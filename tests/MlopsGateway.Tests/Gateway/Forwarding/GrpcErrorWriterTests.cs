using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Tests.Gateway.Forwarding;

public class GrpcErrorWriterTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("clé", "cl%C3%A9")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void PercentEncode_Message_EncodesAsGrpcRequires(string message, string expected)
    {
        Assert.Equal(expected, GrpcErrorWriter.PercentEncode(message));
    }
}
