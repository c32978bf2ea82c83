using Google.Protobuf;

namespace MlopsGateway.Gateway.Shadow;

/// <summary>
/// A message waiting for its answer: one copy, or copies merged (with the rows of each and the merge
/// key they share). <see cref="Call"/> is null until it is sent; <see cref="At"/> is when its first
/// copy was queued (a <see cref="TimeProvider"/> timestamp), so a copy stuck behind a stalled send
/// expires too.
/// </summary>
internal sealed record ShadowPending(ShadowWork[] Works, long At, ShadowCall? Call, long[]? Rows, ByteString? Key);
