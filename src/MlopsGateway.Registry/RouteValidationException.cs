namespace MlopsGateway.Registry;

/// <summary>A route change was refused; <see cref="Errors"/> lists every reason.</summary>
public sealed class RouteValidationException(IReadOnlyList<string> errors, IReadOnlyList<string>? unregistered = null)
    : ArgumentException("The route was not changed: " + string.Join(" ", errors))
{
    /// <summary>Every reason the route was refused.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;

    /// <summary>The versions the refused route named that no registered worker serves; empty when none.</summary>
    public IReadOnlyList<string> Unregistered { get; } = unregistered ?? [];
}
