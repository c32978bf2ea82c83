namespace MlopsGateway.Registry.Feedback;

/// <summary>A feedback record in Redis that is not a valid one (written by hand, or by another version): where it is and what is wrong.</summary>
public sealed class FeedbackRecordException : Exception
{
    /// <summary>An exception for <paramref name="fault"/>.</summary>
    public FeedbackRecordException(RecordFault fault)
        : base($"The record at {fault.Key} cannot be used: {fault.Fault}.")
    {
        Fault = fault;
    }

    /// <summary>Where the record is and what is wrong with it.</summary>
    public RecordFault Fault { get; }
}
