using System.Buffers;
using Google.Protobuf;
using Inference;
using Microsoft.Extensions.Options;
using MlopsGateway.Gateway;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Tests.Gateway.Routing;

/// <summary>The scan of a request's fields after the model fields, alone and inside the forwarded body.</summary>
public sealed class FrameScannerTests
{
    private static readonly IOptions<GatewayOptions> s_options = Options.Create(new GatewayOptions { MaxRequestBodySize = 1 << 20 });

    private static byte[] Request(string name = "propensity", string version = "1") =>
        HostileFrames.Frame(TestRequestsBytes(name, version));

    private static byte[] TestRequestsBytes(string name, string version) =>
        Infrastructure.TestRequests.Propensity(name, [Infrastructure.TestRequests.Row, Infrastructure.TestRequests.Row], version: version).ToByteArray();

    private static string? Scan(byte[] frame, int chunk = int.MaxValue)
    {
        Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadPrefix(new ReadOnlySequence<byte>(frame), out var prefix));
        var scanner = new FrameScanner(prefix.FieldsEnd, GrpcRequestPeek.HeaderLength + (long)prefix.MessageLength);
        for (var at = 0; at < frame.Length; at += chunk)
        {
            if (!scanner.Scan(frame.AsSpan(at, Math.Min(chunk, frame.Length - at))))
            {
                return scanner.Fault;
            }
        }
        return scanner.Complete() ? null : scanner.Fault;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(int.MaxValue)]
    public void Scan_ValidRequest_InAnyChunks_NoFault(int chunk)
    {
        Assert.Null(Scan(Request(), chunk));
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x01, 0x42 }, "field 1 (the model name) appears again")]
    [InlineData(new byte[] { 0x12, 0x01, 0x32 }, "field 2 (the model version) appears again")]
    [InlineData(new byte[] { 0x8A, 0x00, 0x01, 0x42 }, "over-long or padded")]
    [InlineData(new byte[] { 0x8A, 0x80, 0x80, 0x80, 0x10, 0x01, 0x42 }, "larger than 32 bits")]
    [InlineData(new byte[] { 0x3A, 0x05, 0x01 }, "runs past the end")]
    [InlineData(new byte[] { 0x3A, 0x81, 0x00 }, "over-long, padded or out of range")]
    [InlineData(new byte[] { 0x0B }, "wire type 3")]
    [InlineData(new byte[] { 0x02 }, "numbered 0")]
    [InlineData(new byte[] { 0x38, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "longer than 10 bytes")]
    public void Scan_FieldAfterTheTensors_NamesTheFault(byte[] tail, string fault)
    {
        byte[] message = [.. TestRequestsBytes("propensity", "1"), .. tail];
        Assert.Contains(fault, Scan(HostileFrames.Frame(message)), StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_SecondFrame_Refused()
    {
        var frame = Request();
        Assert.Contains("bytes follow the message", Scan([.. frame, .. frame]), StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_FrameCutShort_Refused()
    {
        var frame = Request();
        Assert.Contains("the frame ends after", Scan(frame[..^1]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x01, 0x41, 0x0A, 0x01, 0x42 }, "field 1 (the model name) appears more than once")]
    [InlineData(new byte[] { 0x12, 0x01, 0x31, 0x0A, 0x01, 0x41, 0x12, 0x01, 0x32 }, "field 2 (the model version) appears more than once")]
    [InlineData(new byte[] { 0x0A, 0x02, 0xC3, 0x28 }, "not valid UTF-8")]
    [InlineData(new byte[] { 0x0A, 0x81, 0x00, 0x41 }, "over-long or padded")]
    [InlineData(new byte[] { 0x8A, 0x80, 0x80, 0x80, 0x80, 0x01 }, "over-long or padded")]
    [InlineData(new byte[] { 0x8A, 0x80, 0x80, 0x80, 0x10, 0x01, 0x41 }, "larger than 32 bits")]
    public void Peek_AmbiguousModelFields_MalformedSayingWhy(byte[] message, string fault)
    {
        Assert.Equal(PeekResult.Malformed, GrpcRequestPeek.TryReadPrefix(new ReadOnlySequence<byte>(HostileFrames.Frame(message)), out _, out var found));
        Assert.Contains(fault, found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedBody_SmuggledNameInTheLastBytes_ThrowsBeforeHandingThemOn()
    {
        byte[] message = [.. TestRequestsBytes("dtypes", ""), 0x0A, 0x01, 0x42];
        var call = new StepContext(body: HostileFrames.Frame(message));
        var request = call.Started();
        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);
        request.Decision = new RouteDecision("1", RouteKind.Stable, null);
        await new FrameRewriteStep().InvokeAsync(call.Http, call.Next);

        var forwarded = new MemoryStream();
        await Assert.ThrowsAsync<InvalidDataException>(() => call.Http.Request.Body.CopyToAsync(forwarded));

        Assert.Contains("field 1 (the model name) appears again", request.Body!.Refusal, StringComparison.Ordinal);
        // What went on stops before the smuggled field: none of its bytes left the gateway.
        Assert.True(forwarded.Length <= GrpcRequestPeek.HeaderLength + message.Length - 3, $"{forwarded.Length} bytes were forwarded");
    }

    [Fact]
    public async Task Peek_CompressedFlagWithoutEncoding_InvalidArgument()
    {
        var call = new StepContext(body: StepContext.Frame(new ModelInferRequest { ModelName = "m" }, compressed: 1));
        call.Started();

        await new PeekStep(s_options).InvokeAsync(call.Http, call.Next);

        Assert.Equal(0, call.NextCalls);
        Assert.Equal("3", call.Status);
        Assert.Contains("marked compressed but the call declares no grpc-encoding", call.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerCall_FramingChecked_FieldsOneAndTwoAreJustFields()
    {
        Assert.Null(ScanWhole(FrameScanner.ForServerCall(), StepContext.Frame(new ServerLiveRequest())));
        Assert.Null(ScanWhole(FrameScanner.ForServerCall(), HostileFrames.Frame([0x0A, 0x01, 0x41, 0x0A, 0x01, 0x42])));
        // A compressed message cannot be read; it names no model, so it is passed on as it is.
        Assert.Null(ScanWhole(FrameScanner.ForServerCall(), [1, 0, 0, 0, 2, 0xFF]));

        Assert.Contains("before a whole frame header", ScanWhole(FrameScanner.ForServerCall(), [0, 0, 0]), StringComparison.Ordinal);
        Assert.Contains("compressed flag is 7", ScanWhole(FrameScanner.ForServerCall(), [7, 0, 0, 0, 0]), StringComparison.Ordinal);
        Assert.Contains("the frame ends after 1 of the 3", ScanWhole(FrameScanner.ForServerCall(), [0, 0, 0, 0, 3, 0x08]), StringComparison.Ordinal);
        Assert.Contains("bytes follow the message", ScanWhole(FrameScanner.ForServerCall(), [0, 0, 0, 0, 0, 0]), StringComparison.Ordinal);
    }

    private static string? ScanWhole(FrameScanner scanner, byte[] body)
    {
        // Byte by byte, as the worst split of the body would arrive.
        foreach (var b in body)
        {
            if (!scanner.Scan([b]))
            {
                return scanner.Fault;
            }
        }
        return scanner.Complete() ? null : scanner.Fault;
    }
}
