namespace MlopsGateway.Gateway.Routing;

/// <summary>What <see cref="GrpcRequestPeek.TryReadPrefix(System.Buffers.ReadOnlySequence{byte}, out RequestPrefix)"/> read from the start of a gRPC request.</summary>
/// <param name="Name">Field 1: the model name ("" when absent).</param>
/// <param name="Version">Field 2: the model version ("" when absent).</param>
/// <param name="MessageLength">The message's length from the frame header.</param>
/// <param name="FieldsEnd">Offset from the frame's first byte where the fields after 1 and 2 begin.</param>
internal readonly record struct RequestPrefix(string Name, string Version, uint MessageLength, long FieldsEnd);
