namespace MlopsGateway.Cli;

/// <summary>
/// The exit codes of every <c>mlops</c> command, stated once; the root command's help and the README
/// print <see cref="Help"/>. They are the codes the commands had before they were written down, so
/// scripts that test them keep working.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>
    /// Refused for what was asked: an option the parser refuses, a setting a role cannot start with, or
    /// work that was turned down (no such key, a route change refused, inputs that do not fit the model,
    /// a load test's objective missed). The message names the option to change where there is one.
    /// </summary>
    public const int Refused = 1;

    /// <summary>A call failed on the other side (its gRPC status is printed), or a load test could not run.</summary>
    public const int Failed = 2;

    /// <summary>The codes as the root command's help states them.</summary>
    public const string Help =
        "Exit codes: 0 done; 1 refused: an option or setting is wrong (the message names it), a role cannot start "
        + "(a port in use, Redis unreachable, a models folder missing), or the work was turned down (an SLO missed, "
        + "no such key, a route change refused, inputs that do not fit the model); 2 a call failed on the other side "
        + "(its gRPC status is printed), or a load test could not run.";
}
