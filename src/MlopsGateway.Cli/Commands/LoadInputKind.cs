namespace MlopsGateway.Cli.Commands;

/// <summary>Where <c>mlops loadtest</c>'s requests come from, when no <c>--input-file</c> is given.</summary>
internal enum LoadInputKind
{
    /// <summary>Seeded random values: floats in [0, 1), integers in [0, 10).</summary>
    Random,

    /// <summary>Rows drawn from the version's baseline in Redis, moved by <c>--shift</c>.</summary>
    Baseline,
}
