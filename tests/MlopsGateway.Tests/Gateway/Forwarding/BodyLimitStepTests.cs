using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Forwarding;

namespace MlopsGateway.Tests.Gateway.Forwarding;

public class BodyLimitStepTests
{
    private sealed class SizeLimit : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;

        public long? MaxRequestBodySize { get; set; } = 30_000_000;
    }

    [Fact]
    public async Task InvokeAsync_WritableLimit_SetToTheMessageLimitAndAFrameHeader_ThenHidden()
    {
        var call = new StepContext();
        var limit = new SizeLimit();
        call.Http.Features.Set<IHttpMaxRequestBodySizeFeature>(limit);

        await new BodyLimitStep(Options.Create(new GatewayOptions { MaxRequestBodySize = 1000 })).InvokeAsync(call.Http, call.Next);

        Assert.Equal(1005, limit.MaxRequestBodySize);
        // YARP would lift it for anything that looks like gRPC.
        Assert.Null(call.Http.Features.Get<IHttpMaxRequestBodySizeFeature>());
        Assert.Equal(1, call.NextCalls);
    }
}
