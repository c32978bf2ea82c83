namespace MlopsGateway.Registry.Models;

/// <summary>
/// A registry change refused (a version that exists with other bytes, an alias to a retired
/// version, ...) or a record that cannot be used; the message says what to do, and nothing was changed.
/// </summary>
public sealed class ModelRegistryException : Exception
{
    /// <summary>A refusal saying <paramref name="message"/>; <paramref name="fault"/> names the unusable record, when that is why.</summary>
    public ModelRegistryException(string message, RecordFault? fault = null) : base(message) => Fault = fault;

    /// <summary>The record that could not be used, when that is the reason; null otherwise.</summary>
    public RecordFault? Fault { get; }
}
