using MlopsGateway.Gateway.Shadow;

namespace MlopsGateway.Tests.Gateway;

public class ShadowRecorderTests
{
    [Theory]
    [InlineData("InvalidArgument: model 'm' version 2 rejected the inputs", "3")]
    [InlineData("NotFound: Model 'm' has no version '9'. Versions served: 1, 2.", "5")]
    [InlineData("ResourceExhausted: queue full: 1024 queued", "8")]
    [InlineData("Unknown: boom", "2")]
    [InlineData("no status here", "error")]
    [InlineData("Bogus: not a gRPC status name", "error")]
    [InlineData(": empty name", "error")]
    public void StatusOf_WorkerStreamError_NumericStatusOrError(string errorMessage, string expected) =>
        Assert.Equal(expected, ShadowRecorder.StatusOf(errorMessage));
}
