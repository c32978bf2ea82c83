using System.Globalization;
using Inference;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.LoadTest;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Cli;

/// <summary>
/// The requests of <c>mlops loadtest --inputs baseline</c>: the baseline's input filled with rows
/// drawn from the version's baseline (<see cref="BaselineDraw"/>), moved by <c>--shift</c>; any other
/// input of the model filled as <see cref="InputGenerator"/> does.
/// </summary>
internal static class BaselineInputs
{
    /// <summary>
    /// The fewest rows drawn. Requests are sent in turn, so a window of traffic holds a stretch of these
    /// rows, all of them once it is longer: enough that either is a fair draw from the baseline.
    /// </summary>
    public const int MinRows = 16_384;

    /// <summary>The fewest distinct requests.</summary>
    public const int MinRequests = 256;

    /// <summary>The requests, and one line saying what they carry, for the run's header.</summary>
    /// <param name="metadata">The model's metadata, which has the baseline's input.</param>
    /// <param name="baseline">The version's baseline and how its version was chosen.</param>
    /// <param name="version">The version the requests name (null: the server's choice).</param>
    /// <param name="rows">Rows per request, for a variable leading dimension.</param>
    /// <param name="shapes">Shapes given by name.</param>
    /// <param name="shifts">Features to move.</param>
    /// <param name="seed">Seed of the draw.</param>
    /// <param name="raw">Whether to send raw little-endian bytes.</param>
    /// <exception cref="ArgumentException">The baseline does not fit the model, or a shift names no feature of it; the message says what to do.</exception>
    public static (IReadOnlyList<ModelInferRequest> Requests, string Description) Build(
        ModelMetadataResponse metadata, ChosenBaseline baseline, string? version, int rows, IReadOnlyDictionary<string, long[]> shapes,
        IReadOnlyList<FeatureShift> shifts, int seed, bool raw)
    {
        var profile = baseline.Profile;
        var index = metadata.Inputs.ToList().FindIndex(i => i.Name == profile.Input);
        if (index < 0)
        {
            throw new ArgumentException($"The baseline of {profile.Model} version {profile.Version} describes input '{profile.Input}', which the model does not take "
                + $"(its inputs: {InputGenerator.Describe(metadata, rows, shapes)}).");
        }
        var input = metadata.Inputs[index];
        var shape = InputGenerator.ResolveShape(input, rows, shapes);
        if (shape.Length != 2 || shape[1] != profile.Features.Count || TensorDatatype.ElementSize(input.Datatype) == 0)
        {
            throw new ArgumentException($"The baseline of {profile.Model} version {profile.Version} has {profile.Features.Count} features; input '{input.Name}' "
                + $"is {input.Datatype} {TensorShape.Format(shape)}, not numbers of shape [rows, {profile.Features.Count}].");
        }
        var columns = Resolve(profile, shifts);
        var perRequest = checked((int)shape[0]);
        var count = Math.Max(MinRequests, (MinRows + perRequest - 1) / perRequest);
        var drawn = BaselineDraw.Draw(profile, count * perRequest, new Random(seed));
        Shift(drawn, profile, columns);

        var requests = InputGenerator.Generate(metadata, version, rows, shapes, count, seed, raw);
        var width = perRequest * drawn.Features;
        for (var r = 0; r < requests.Count; r++)
        {
            var writer = new TensorWriter(input.Datatype, width);
            for (var i = 0; i < width; i++)
            {
                Set(writer, i, drawn.Values[(r * width) + i]);
            }
            // Generate sends every input one way; this one follows.
            if (requests[r].RawInputContents.Count > 0)
            {
                requests[r].RawInputContents[index] = writer.ToRaw();
            }
            else
            {
                requests[r].Inputs[index].Contents = writer.ToContents();
            }
        }
        return (requests, Describe(metadata, rows, shapes, baseline, drawn, columns));
    }

    /// <summary>Each shift with its feature's column, refusing names the baseline does not have.</summary>
    private static List<(FeatureShift Shift, int Column)> Resolve(BaselineProfile profile, IReadOnlyList<FeatureShift> shifts)
    {
        var names = profile.Features.Select(f => f.Name).ToList();
        var unknown = shifts.Where(s => !names.Contains(s.Feature)).Select(s => s.Feature).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"--shift names no feature of the baseline of {profile.Model} version {profile.Version}: {string.Join(", ", unknown)}. "
                + $"Its features: {string.Join(", ", names)}.");
        }
        var columns = shifts.Select(s => (s, names.IndexOf(s.Feature))).ToList();
        foreach (var (shift, column) in columns)
        {
            var sd = profile.Features[column].StdDev;
            if (shift.Kind == ShiftKind.StdDevs && !(sd > 0 && double.IsFinite(sd)))
            {
                throw new ArgumentException($"--shift {shift}: the baseline's standard deviation of '{shift.Feature}' is {sd.ToString(CultureInfo.InvariantCulture)}; "
                    + $"give an amount to add instead, e.g. {shift.Feature}=+1.");
            }
        }
        return columns;
    }

    private static void Shift(DrawnRows drawn, BaselineProfile profile, List<(FeatureShift Shift, int Column)> columns)
    {
        foreach (var (shift, column) in columns)
        {
            var sd = profile.Features[column].StdDev;
            for (var r = 0; r < drawn.Rows; r++)
            {
                ref var value = ref drawn.Values[(r * drawn.Features) + column];
                value = (float)shift.Apply(value, sd);
            }
        }
    }

    private static void Set(TensorWriter writer, int index, float value)
    {
        if (TensorDatatype.IsFloatingPoint(writer.Datatype))
        {
            writer.Set(index, value);
        }
        else if (writer.Datatype == TensorDatatype.Bool)
        {
            writer.Set(index, value != 0);
        }
        else
        {
            writer.Set(index, (long)Math.Round(value));
        }
    }

    private static string Describe(ModelMetadataResponse metadata, int rows, IReadOnlyDictionary<string, long[]> shapes,
        ChosenBaseline baseline, DrawnRows drawn, List<(FeatureShift Shift, int Column)> columns)
    {
        var profile = baseline.Profile;
        var source = drawn.FromSample
            ? $"{drawn.Rows} rows drawn from its {profile.Sample.Count}-row sample, weighted to its bins"
            : $"{drawn.Rows} rows drawn from its bins (it keeps no sample), each feature on its own";
        var shifted = columns.Count == 0
            ? "no feature shifted"
            : "shifted " + string.Join(", ", columns.Select(c => c.Shift.Kind == ShiftKind.Scale
                ? c.Shift.ToString()
                : $"{c.Shift} ({Signed(c.Shift.Offset(profile.Features[c.Column].StdDev))} on mean {Number(profile.Features[c.Column].Mean)})"));
        return $"{InputGenerator.Describe(metadata, rows, shapes)} from the baseline of {profile.Model} version {profile.Version} ({baseline.Choice}; "
            + $"{profile.Source}, {profile.Rows} rows): {source}; {shifted}";
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static string Signed(double value) => (value >= 0 ? "+" : "") + Number(value);
}
