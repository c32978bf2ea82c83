using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Google.Protobuf;
using Inference;
using MlopsGateway.Gateway.Routing;

namespace MlopsGateway.Tests.Gateway.Routing;

/// <summary>
/// The peek and the scan of the rest against Google.Protobuf's own parser (what the worker runs):
/// whatever the bytes, when the gateway forwards a frame, the parser reads the model and version the
/// gateway read (and, after a rewrite, the version the gateway wrote), or refuses the message.
/// </summary>
public sealed class GrpcRequestPeekPropertyTests
{
    private static readonly Config s_config = Config.QuickThrowOnFailure.WithMaxTest(4000);

    [Fact]
    public void AnyBytes_GatewayForwards_OnlyWhatTheParserReadsAlike()
    {
        var counts = new Counts();
        Prop.ForAll(Arb.From(HostileFrames.RandomBodies()), frame => Agrees(frame, counts)).Check(s_config);
        Assert.True(counts.Refused > 0, "no frame was refused");
    }

    [Property(MaxTest = 2000)]
    public bool AnyFramedBytes_GatewayForwards_OnlyWhatTheParserReadsAlike(byte[] message) =>
        Agrees(HostileFrames.Frame(message), new Counts());

    [Fact]
    public void MutatedFrames_GatewayForwards_OnlyWhatTheParserReadsAlike()
    {
        var counts = new Counts();
        Prop.ForAll(Arb.From(HostileFrames.Frames()), frame => Agrees(frame, counts)).Check(s_config);
        // Not vacuous: both outcomes occur often among these frames.
        Assert.True(counts.Agreed > 100, $"only {counts.Agreed} frames were forwarded and parsed");
        Assert.True(counts.Refused > 100, $"only {counts.Refused} frames were refused");
    }

    [Fact]
    public void SmuggledSecondName_AfterTheTensors_Refused()
    {
        var message = new ModelInferRequest { ModelName = "dtypes" }.ToByteArray()
            .Concat(new ModelInferRequest { Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "x" } } }.ToByteArray())
            .Concat(new ModelInferRequest { ModelName = "propensity" }.ToByteArray()).ToArray();

        Assert.Equal("propensity", ModelInferRequest.Parser.ParseFrom(message).ModelName);
        Assert.Null(HostileFrames.GatewayReads(HostileFrames.Frame(message)));
    }

    [Fact]
    public void TagWithBitsBeyond32_Refused()
    {
        // Google.Protobuf keeps the low 32 bits of this tag: field 1, a string; a 64-bit reader sees a field beyond 2.
        byte[] message = [.. HostileFrames.Varint((1UL << 35) | 0x0A), 0x01, (byte)'B'];

        Assert.Equal("B", ModelInferRequest.Parser.ParseFrom(message).ModelName);
        Assert.Null(HostileFrames.GatewayReads(HostileFrames.Frame(message)));
    }

    private static bool Agrees(byte[] frame, Counts counts)
    {
        if (HostileFrames.GatewayReads(frame) is not { } read)
        {
            Interlocked.Increment(ref counts.Refused);
            return true;
        }
        var message = frame.AsSpan(5).ToArray();
        if (!TryParse(message, out var parsed))
        {
            // The worker refuses what its parser cannot read: nothing runs.
            return true;
        }
        // What the gateway sends when the route picks version "routed": its own fields 1-2, then the rest untouched.
        var rest = frame.AsSpan((int)read.Prefix.FieldsEnd);
        var rewritten = GrpcRequestPeek.WritePrefix(read.Name, "routed", rest.Length).Concat(rest.ToArray()).ToArray();
        var rewrittenOk = TryParse(rewritten.AsSpan(5).ToArray(), out var rerouted)
            && BinaryPrimitives.ReadUInt32BigEndian(rewritten.AsSpan(1)) == rewritten.Length - 5;
        Interlocked.Increment(ref counts.Agreed);
        return parsed.ModelName == read.Name && parsed.ModelVersion == read.Version
            && rewrittenOk && rerouted.ModelName == read.Name && rerouted.ModelVersion == "routed";
    }

    private static bool TryParse(byte[] message, out ModelInferRequest parsed)
    {
        try
        {
            parsed = ModelInferRequest.Parser.ParseFrom(message);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            parsed = new ModelInferRequest();
            return false;
        }
    }

    private sealed class Counts
    {
        public int Agreed;
        public int Refused;
    }
}
