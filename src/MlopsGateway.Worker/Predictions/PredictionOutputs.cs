using Inference;
using MlopsGateway.Contracts.Tensors;
using MlopsGateway.Registry.Feedback;
using MlopsGateway.Worker.Models;

namespace MlopsGateway.Worker.Predictions;

/// <summary>
/// Which of a version's outputs say what it predicted, found once per version from its signature:
/// an INT64 <c>[batch]</c> output is the class, an FP32 <c>[batch, classes]</c> output the
/// probabilities (the class is their argmax when there is no INT64 one), and an FP32 <c>[batch]</c> or
/// <c>[batch, 1]</c> output of a model with neither is a regressor's value. A version with none of
/// them predicts nothing that can be labelled, and is not recorded.
/// </summary>
internal sealed class PredictionOutputs
{
    private PredictionOutputs(string? label, string? probabilities, string? value, PredictionSchema schema)
    {
        (Label, Probabilities, Value, Schema) = (label, probabilities, value, schema);
    }

    /// <summary>The class output's name.</summary>
    public string? Label { get; }

    /// <summary>The probabilities output's name.</summary>
    public string? Probabilities { get; }

    /// <summary>A regressor's value output's name.</summary>
    public string? Value { get; }

    /// <summary>What labels are checked against: class names from the config's <c>labels</c>, else indexes by the probabilities' width.</summary>
    public PredictionSchema Schema { get; }

    /// <summary>Whether the version predicts anything that can be labelled.</summary>
    public bool Recordable => Label is not null || Probabilities is not null || Value is not null;

    public static PredictionOutputs Of(ModelVersion model)
    {
        string? label = null, probabilities = null, value = null;
        long width = -1;
        foreach (var output in model.Outputs)
        {
            var rank = output.Shape.Count;
            if (label is null && output.Datatype == TensorDatatype.Int64 && (rank == 1 || (rank == 2 && output.Shape[1] == 1)))
            {
                label = output.Name;
            }
            else if (probabilities is null && output.Datatype == TensorDatatype.Fp32 && rank == 2 && output.Shape[1] != 1)
            {
                probabilities = output.Name;
                width = output.Shape[1];
            }
            else if (value is null && output.Datatype == TensorDatatype.Fp32 && (rank == 1 || (rank == 2 && output.Shape[1] == 1)))
            {
                value = output.Name;
            }
        }
        var classifier = label is not null || probabilities is not null;
        IReadOnlyList<string> classes = !classifier ? []
            : model.Config.Labels is { Count: > 0 } names ? names
            : width > 1 ? [.. Enumerable.Range(0, (int)width).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]
            : [];
        return new PredictionOutputs(label, probabilities, classifier ? null : value,
            new PredictionSchema(model.Name, model.Version, classes, Regressor: !classifier && value is not null));
    }

    /// <summary>
    /// The outputs of <paramref name="response"/> that say what it predicted, read in place from its typed
    /// or raw contents (this runs on every request, where reading each output into a double[], and typed
    /// contents into raw bytes first, cost more than the rest); no rows when the answer lacks them (the
    /// caller asked for others).
    /// </summary>
    /// <exception cref="ArgumentException">Raw contents that are not a whole number of elements.</exception>
    public Answer Read(ModelInferResponse response)
    {
        var labels = OutputColumn.Of(response, Label, TensorDatatype.Int64);
        var probabilities = OutputColumn.Of(response, Probabilities, TensorDatatype.Fp32);
        var values = OutputColumn.Of(response, Value, TensorDatatype.Fp32);
        var rows = labels.Present ? labels.Count : values.Present ? values.Count : RowsOf(response, Probabilities);
        if (rows <= 0 || (!labels.Present && !probabilities.Present && !values.Present))
        {
            return default;
        }
        return new Answer(labels, probabilities, values, rows, probabilities.Present ? probabilities.Count / rows : 0);
    }

    /// <summary>
    /// Adds one record per row of <paramref name="answer"/> to <paramref name="batch"/>: ids
    /// <paramref name="id"/> for a single row and <c>id#row</c> (from 0) for several. A row whose value,
    /// or whose probabilities with no class output beside them, are not finite numbers predicts nothing
    /// a label could be judged against and is left out; probabilities that are not, with a class, are
    /// left out of its record. Answers how many rows did not fit in the batch (the last ones).
    /// </summary>
    public int Append(in Answer answer, string id, DateTimeOffset at, PredictionBatch batch)
    {
        var (labels, probabilities, values, rows, width) = answer;
        Span<float> shares = width <= 256 ? stackalloc float[width] : new float[width];
        for (var row = 0; row < rows; row++)
        {
            var rowNumber = rows == 1 ? -1 : row;
            bool added;
            if (values.Present)
            {
                var value = values[row];
                if (!double.IsFinite(value))
                {
                    continue;
                }
                added = batch.TryAdd(Schema.Model, Schema.Version, id, rowNumber, at, null, [], value);
            }
            else
            {
                var finite = true;
                for (var c = 0; c < width; c++)
                {
                    shares[c] = (float)probabilities[(row * width) + c];
                    finite &= float.IsFinite(shares[c]);
                }
                if (!labels.Present && !finite)
                {
                    continue;
                }
                var @class = labels.Present ? (int)labels[row] : ArgMax(shares);
                added = batch.TryAdd(Schema.Model, Schema.Version, id, rowNumber, at, @class, finite ? shares : [], null);
            }
            if (!added)
            {
                return rows - row;
            }
        }
        return 0;
    }

    /// <summary>The records <paramref name="response"/> makes, read back: for tests and tools, not the request path.</summary>
    /// <exception cref="ArgumentException">Raw contents that are not a whole number of elements.</exception>
    public IReadOnlyList<PredictionRecord> Read(ModelInferResponse response, string id, DateTimeOffset at)
    {
        var answer = Read(response);
        var batch = new PredictionBatch(Math.Max(1, answer.Rows), int.MaxValue);
        Append(answer, id, at, batch);
        return batch.Records();
    }

    private static int RowsOf(ModelInferResponse response, string? name)
    {
        foreach (var output in response.Outputs)
        {
            if (output.Name == name && output.Shape.Count > 0)
            {
                return (int)output.Shape[0];
            }
        }
        return 0;
    }

    private static int ArgMax(ReadOnlySpan<float> shares)
    {
        var best = 0;
        for (var c = 1; c < shares.Length; c++)
        {
            if (shares[c] > shares[best])
            {
                best = c;
            }
        }
        return best;
    }

    /// <summary>What <see cref="Read(ModelInferResponse)"/> found in an answer: its columns, its rows, and how many probabilities each row has.</summary>
    internal readonly record struct Answer(OutputColumn Labels, OutputColumn Probabilities, OutputColumn Values, int Rows, int Width);
}
