using Microsoft.AspNetCore.Http;
using MlopsGateway.Gateway.Forwarding;
using Yarp.ReverseProxy.Forwarder;

namespace MlopsGateway.Tests.Gateway.Forwarding;

/// <summary>Which failed forwards are the caller's doing (logged at Debug), and which a worker's (a warning).</summary>
public sealed class CallerSideTests
{
    [Theory]
    [InlineData(ForwarderError.RequestCanceled)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    [InlineData(ForwarderError.RequestBodyClient)]
    [InlineData(ForwarderError.ResponseBodyCanceled)]
    [InlineData(ForwarderError.ResponseBodyClient)]
    public void CallerSide_CallerBrokeOff_True(ForwarderError error) =>
        Assert.True(RetryStep.CallerSide(error, new DefaultHttpContext()));

    [Theory]
    [InlineData(ForwarderError.Request)]
    [InlineData(ForwarderError.RequestTimedOut)]
    [InlineData(ForwarderError.RequestBodyDestination)]
    [InlineData(ForwarderError.ResponseBodyDestination)]
    [InlineData(ForwarderError.ResponseHeaders)]
    public void CallerSide_WorkerSideWhileCallerWaits_False(ForwarderError error) =>
        Assert.False(RetryStep.CallerSide(error, new DefaultHttpContext()));

    [Fact]
    public void CallerSide_WorkerSideAfterCallerAborted_True()
    {
        var context = new DefaultHttpContext { RequestAborted = new CancellationToken(canceled: true) };
        Assert.True(RetryStep.CallerSide(ForwarderError.Request, context));
    }

    [Fact]
    public void Attributed_CancelledReadWhileCallerConnected_CountsAsTheWorkersSide() =>
        Assert.Equal(ForwarderError.RequestBodyDestination,
            RetryStep.Attributed(new Failure(ForwarderError.RequestBodyClient, new OperationCanceledException()), new DefaultHttpContext()));

    [Fact]
    public void Attributed_CancellationsAggregatedWhileCallerConnected_CountsAsTheWorkersSide() =>
        // What YARP reported in a clean-clone CI run when a worker was killed under load.
        Assert.Equal(ForwarderError.RequestBodyDestination,
            RetryStep.Attributed(new Failure(ForwarderError.RequestBodyClient,
                new AggregateException(new OperationCanceledException(),
                    new HttpRequestException("send failed", new IOException("aborted", new OperationCanceledException())))), new DefaultHttpContext()));

    [Fact]
    public void Attributed_AggregateWithAnythingButCancellations_StaysTheCallers()
    {
        Assert.Equal(ForwarderError.RequestBodyClient,
            RetryStep.Attributed(new Failure(ForwarderError.RequestBodyClient,
                new AggregateException(new OperationCanceledException(), new IOException("the caller's stream broke"))), new DefaultHttpContext()));
        Assert.Equal(ForwarderError.RequestBodyClient,
            RetryStep.Attributed(new Failure(ForwarderError.RequestBodyClient, new AggregateException()), new DefaultHttpContext()));
    }

    [Fact]
    public void Causes_NamesTypesOutermostFirst_NeverMessages()
    {
        Assert.Equal("none", RetryStep.Causes(null));
        Assert.Equal("AggregateException [OperationCanceledException, IOException <- SocketException]",
            RetryStep.Causes(new AggregateException(new OperationCanceledException("secret-looking text"),
                new IOException("broke", new System.Net.Sockets.SocketException()))));
    }

    [Fact]
    public void Attributed_CallerGoneOrBodyBroken_StaysTheCallers()
    {
        var gone = new DefaultHttpContext { RequestAborted = new CancellationToken(canceled: true) };
        Assert.Equal(ForwarderError.RequestBodyClient,
            RetryStep.Attributed(new Failure(ForwarderError.RequestBodyClient, new OperationCanceledException()), gone));
        Assert.Equal(ForwarderError.RequestBodyClient,
            RetryStep.Attributed(new Failure(ForwarderError.RequestBodyClient, new IOException("the caller's stream broke")), new DefaultHttpContext()));
        Assert.Equal(ForwarderError.Request,
            RetryStep.Attributed(new Failure(ForwarderError.Request, new OperationCanceledException()), new DefaultHttpContext()));
    }

    private sealed record Failure(ForwarderError Error, Exception? Exception) : IForwarderErrorFeature;
}
