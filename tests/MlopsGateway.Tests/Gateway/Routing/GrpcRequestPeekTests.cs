using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Inference;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Tests.Gateway.Routing;

public class GrpcRequestPeekTests
{
    private static byte[] Frame(IMessage message, byte compressed = 0) => StepContext.Frame(message, compressed);

    private static ModelInferRequest BigInfer(string name, string version)
    {
        var request = new ModelInferRequest { ModelName = name, ModelVersion = version, Id = "req-1" };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32" };
        input.Shape.Add([1, 50_000]);
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[200_000]));
        return request;
    }

    [Fact]
    public void TryReadModel_InferRequest_ReadsNameAndVersion()
    {
        var frame = Frame(BigInfer("propensity", "2"));
        Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadModel(new ReadOnlySequence<byte>(frame), out var name, out var version));
        Assert.Equal("propensity", name);
        Assert.Equal("2", version);
    }

    [Fact]
    public void TryReadModel_OnlyTheStartOfALargeRequest_FoundWithoutTheTensors()
    {
        var frame = Frame(BigInfer("propensity", "2"));
        var start = new ReadOnlySequence<byte>(frame.AsMemory(0, 40));
        Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadModel(start, out var name, out _));
        Assert.Equal("propensity", name);
    }

    [Fact]
    public void TryReadModel_EveryTruncationBeforeTheNameEnds_NeedsMoreData()
    {
        var frame = Frame(new ModelInferRequest { ModelName = "propensity", ModelVersion = "12", Id = "x" });
        // Header (5) + tag/len (2) + "propensity" (10) + tag/len (2) + "12" (2): the version ends at byte 21.
        for (var length = 0; length < 21; length++)
        {
            Assert.Equal(PeekResult.NeedMoreData, GrpcRequestPeek.TryReadModel(new ReadOnlySequence<byte>(frame.AsMemory(0, length)), out _, out _));
        }
    }

    [Fact]
    public void TryReadModel_SplitAcrossSegments_SameAnswer()
    {
        var frame = Frame(new ModelMetadataRequest { Name = "dtypes", Version = "7" });
        for (var split = 1; split < frame.Length; split++)
        {
            var sequence = TwoSegments(frame, split);
            Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadModel(sequence, out var name, out var version));
            Assert.Equal("dtypes", name);
            Assert.Equal("7", version);
        }
    }

    [Fact]
    public void TryReadModel_EmptyMessage_FoundWithEmptyName()
    {
        var frame = Frame(new ModelReadyRequest());
        Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadModel(new ReadOnlySequence<byte>(frame), out var name, out var version));
        Assert.Equal("", name);
        Assert.Equal("", version);
    }

    [Fact]
    public void TryReadModel_NameUnsetButTensorsPresent_FoundWithEmptyName()
    {
        var frame = Frame(BigInfer("", ""));
        Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadModel(new ReadOnlySequence<byte>(frame), out var name, out _));
        Assert.Equal("", name);
    }

    [Fact]
    public void TryReadModel_CompressedFlag_ReportsCompressed()
    {
        var frame = Frame(new ModelInferRequest { ModelName = "m" }, compressed: 1);
        Assert.Equal(PeekResult.Compressed, GrpcRequestPeek.TryReadModel(new ReadOnlySequence<byte>(frame), out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { 2, 0, 0, 0, 0 })]                   // unknown frame flag
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x08, 0x01 })]       // field 1 as a varint, not a string
    [InlineData(new byte[] { 0, 0, 0, 0, 3, 0x0A, 0x05, 0x61 })] // string longer than the message
    [InlineData(new byte[] { 0, 0, 0, 0, 1, 0x00 })]             // field number 0
    public void TryReadModel_NotAProtocolMessage_Malformed(byte[] frame)
    {
        Assert.Equal(PeekResult.Malformed, GrpcRequestPeek.TryReadModel(new ReadOnlySequence<byte>(frame), out _, out _));
    }

    [Fact]
    public void TryReadModel_NonAsciiName_DecodesUtf8()
    {
        var frame = Frame(new ModelInferRequest { ModelName = "modèle-é" });
        Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadModel(new ReadOnlySequence<byte>(frame), out var name, out _));
        Assert.Equal("modèle-é", name);
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        var first = new Segment(bytes.AsMemory(0, split), 0);
        var second = first.Append(bytes.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    [Theory]
    [InlineData("", "7")]
    [InlineData("2", "10")]
    [InlineData("1", "")]
    public void WritePrefix_NewVersion_SameMessageOtherwise(string version, string newVersion)
    {
        var original = BigInfer("propensity", version);
        var frame = Frame(original);
        Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadPrefix(new ReadOnlySequence<byte>(frame), out var prefix));
        var rest = frame.AsSpan((int)prefix.FieldsEnd);

        var start = GrpcRequestPeek.WritePrefix(prefix.Name, newVersion, rest.Length);
        var rewritten = start.Concat(rest.ToArray()).ToArray();

        Assert.Equal((uint)(rewritten.Length - 5), BinaryPrimitives.ReadUInt32BigEndian(rewritten.AsSpan(1)));
        var parsed = ModelInferRequest.Parser.ParseFrom(rewritten.AsSpan(5));
        var expected = original.Clone();
        expected.ModelVersion = newVersion;
        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void WriteMessage_ShadowVersionAndId_ReplacesBothKeepsTheTensors()
    {
        var original = BigInfer("propensity", "1");
        var frame = Frame(original);
        Assert.Equal(PeekResult.Found, GrpcRequestPeek.TryReadPrefix(new ReadOnlySequence<byte>(frame), out var prefix));

        var message = GrpcRequestPeek.WriteMessage(prefix.Name, "2", frame.AsSpan((int)prefix.FieldsEnd), "mlops-shadow-7");

        var expected = original.Clone();
        expected.ModelVersion = "2";
        expected.Id = "mlops-shadow-7";
        Assert.Equal(expected, ModelInferRequest.Parser.ParseFrom(message));
    }
}
