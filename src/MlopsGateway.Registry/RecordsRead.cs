namespace MlopsGateway.Registry;

/// <summary>One read of a store: the records that could be used, and those skipped with their faults.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <param name="Records">The valid records.</param>
/// <param name="Faults">The records skipped.</param>
public sealed record RecordsRead<T>(IReadOnlyList<T> Records, IReadOnlyList<RecordFault> Faults);
