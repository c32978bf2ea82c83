namespace MlopsGateway.LoadTest;

/// <summary>How the load tool sends ModelInfer.</summary>
public enum LoadClientKind
{
    /// <summary>Pre-encoded requests over the tool's own HTTP/2 client, answers read for their status only (<see cref="FrameLoadClient"/>): the least CPU per call.</summary>
    Frames,

    /// <summary>Grpc.Net.Client, as an application would call (<see cref="OipLoadClient"/>).</summary>
    Grpc,
}
