using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MlopsGateway.Registry.Baselines;

namespace MlopsGateway.Monitoring.Sketches;

/// <summary>
/// Live rows of one model version counted into its baseline's bins, per feature and for the
/// prediction, between two flushes. <see cref="Update"/> runs on the batch path: no allocation, no
/// lock, safe while several batches of the version run at once. <see cref="Take"/> hands over what
/// was counted since the last take, every batch whole, while updates go on.
/// </summary>
/// <remarks>
/// A batch is first counted into a per-thread scratch of plain ints (the per row-and-feature cost is
/// the bin search and an increment), then added into the shared counters with one interlocked add
/// per non-empty bin. The shared counters are two sets: updates go to the current one, counted in
/// and out through <c>Writers</c>; a take swaps in the other set and waits for the writers that
/// entered the old one to leave, so a batch lands entirely in one take and none is lost.
/// </remarks>
public sealed class VersionSketch
{
    [ThreadStatic]
    private static int[]? s_scratch;

    private readonly FeatureBins[] _features;
    private readonly int[] _offsets;
    private readonly FeatureBins? _prediction;
    private readonly int _missingBase;
    private readonly int _predictionBase;
    private readonly int _rowsSlot;
    private readonly int _slots;
    private readonly Lock _takeLock = new();
    private Counters _current;
    private Counters _spare;

    /// <summary>A sketch over the bins of <paramref name="baseline"/>.</summary>
    /// <exception cref="ArgumentException">The baseline has no features, or a profile's bins are inconsistent.</exception>
    public VersionSketch(BaselineProfile baseline)
    {
        if (baseline.Features.Count == 0)
        {
            throw new ArgumentException($"the baseline of {baseline.Model} version {baseline.Version} has no features.", nameof(baseline));
        }
        Baseline = baseline;
        _features = [.. baseline.Features.Select(FeatureBins.From)];
        _offsets = new int[_features.Length];
        var slot = 0;
        for (var f = 0; f < _features.Length; f++)
        {
            _offsets[f] = slot;
            slot += _features[f].Count;
        }
        _missingBase = slot;
        _predictionBase = _missingBase + _features.Length;
        _prediction = baseline.Prediction is { } prediction ? FeatureBins.From(prediction) : null;
        _rowsSlot = _predictionBase + (_prediction?.Count ?? 0);
        _slots = _rowsSlot + 1;
        _current = new Counters(_slots);
        _spare = new Counters(_slots);
    }

    /// <summary>The profile whose bins the rows are counted in.</summary>
    public BaselineProfile Baseline { get; }

    /// <summary>Columns of the input each row has.</summary>
    public int FeatureCount => _features.Length;

    /// <summary>How the prediction is binned; null when the baseline has no prediction profile.</summary>
    public FeatureKind? PredictionKind => _prediction?.Kind;

    /// <summary>Bins of the prediction profile (for a classifier, its classes plus one for any other).</summary>
    public int PredictionBins => _prediction?.Count ?? 0;

    /// <summary>
    /// Counts <paramref name="rows"/> rows of <paramref name="input"/> (row-major, <see cref="FeatureCount"/>
    /// values a row) and their <paramref name="predictions"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The input does not hold <paramref name="rows"/> × <see cref="FeatureCount"/> values.</exception>
    public void Update(ReadOnlySpan<float> input, int rows, BatchPredictions predictions)
    {
        var width = _features.Length;
        if (rows < 0 || input.Length != (long)rows * width)
        {
            throw new ArgumentException($"{input.Length} values are not {rows} rows of {width} features.", nameof(input));
        }
        if (rows == 0)
        {
            return;
        }
        var scratch = s_scratch;
        if (scratch is null || scratch.Length < _slots)
        {
            s_scratch = scratch = new int[_slots];
        }
        var local = scratch.AsSpan(0, _slots);
        local.Clear();
        ref var values = ref MemoryMarshal.GetReference(input);
        for (var f = 0; f < width; f++)
        {
            ref var bins = ref local[_offsets[f]];
            // A struct per kind: the column loop is compiled once for each, the bin search inlined.
            var missing = _features[f].Kind == FeatureKind.Numeric
                ? CountColumn(new NumericLookup(_features[f]), ref Unsafe.Add(ref values, f), rows, width, ref bins)
                : CountColumn(new CategoryLookup(_features[f]), ref Unsafe.Add(ref values, f), rows, width, ref bins);
            local[_missingBase + f] = missing;
        }
        if (_prediction is not null)
        {
            CountPredictions(predictions, rows, local[_predictionBase.._rowsSlot]);
        }
        local[_rowsSlot] = rows;
        Publish(local);
    }

    /// <summary>
    /// What was counted since the last take (each set back to zero), as the window
    /// [<paramref name="from"/>, <paramref name="to"/>). Takes do not overlap each other.
    /// </summary>
    public WindowCounts Take(DateTimeOffset from, DateTimeOffset to)
    {
        lock (_takeLock)
        {
            var taken = Interlocked.Exchange(ref _current, _spare);
            var spin = default(SpinWait);
            while (Volatile.Read(ref taken.Writers) != 0)
            {
                spin.SpinOnce();
            }
            var slots = taken.Slots;
            var features = new long[_features.Length][];
            var missing = new long[_features.Length];
            for (var f = 0; f < features.Length; f++)
            {
                features[f] = slots.AsSpan(_offsets[f], _features[f].Count).ToArray();
                missing[f] = slots[_missingBase + f];
            }
            long[]? prediction = _prediction is null ? null : slots.AsSpan(_predictionBase, _prediction.Count).ToArray();
            var counts = new WindowCounts(Baseline.Model, Baseline.Version, from, to, slots[_rowsSlot], features, missing, prediction);
            Array.Clear(slots);
            _spare = taken;
            return counts;
        }
    }

    /// <summary>Counts one feature's column (every <paramref name="stride"/>-th value from <paramref name="first"/>); returns its NaNs.</summary>
    private static int CountColumn<TLookup>(TLookup lookup, ref float first, int rows, int stride, ref int counts)
        where TLookup : struct, IBinLookup
    {
        var missing = 0;
        for (var r = 0; r < rows; r++)
        {
            var x = Unsafe.Add(ref first, r * stride);
            if (float.IsNaN(x))
            {
                missing++;
            }
            else
            {
                Unsafe.Add(ref counts, lookup.BinOf(x))++;
            }
        }
        return missing;
    }

    private void CountPredictions(BatchPredictions predictions, int rows, Span<int> counts)
    {
        var bins = _prediction!;
        var other = bins.Count - 1;
        switch (predictions.Form)
        {
            case PredictionForm.Labels when bins.Kind == FeatureKind.Categorical && predictions.Labels.Length == rows:
                foreach (var label in predictions.Labels)
                {
                    counts[label >= 0 && label < other ? (int)label : other]++;
                }
                break;
            case PredictionForm.Probabilities when bins.Kind == FeatureKind.Categorical && predictions.Values.Length == (long)rows * predictions.Columns:
                for (var r = 0; r < rows; r++)
                {
                    var best = BatchPredictions.ArgMax(predictions.Values.Slice(r * predictions.Columns, predictions.Columns));
                    counts[best >= 0 && best < other ? best : other]++;
                }
                break;
            case PredictionForm.Values when bins.Kind == FeatureKind.Numeric && predictions.Values.Length == rows:
                foreach (var value in predictions.Values)
                {
                    if (!float.IsNaN(value))
                    {
                        counts[bins.NumericBin(value)]++;
                    }
                }
                break;
        }
    }

    private void Publish(ReadOnlySpan<int> local)
    {
        var counters = Enter();
        try
        {
            ref var slots = ref MemoryMarshal.GetArrayDataReference(counters.Slots);
            for (var s = 0; s < local.Length; s++)
            {
                if (local[s] != 0)
                {
                    Interlocked.Add(ref Unsafe.Add(ref slots, s), local[s]);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref counters.Writers);
        }
    }

    /// <summary>The current set, entered: a take that swapped it out waits for this writer to leave.</summary>
    private Counters Enter()
    {
        while (true)
        {
            var counters = Volatile.Read(ref _current);
            Interlocked.Increment(ref counters.Writers);
            // A take may have swapped it out between the read and the entry; it does not wait for us then.
            if (ReferenceEquals(counters, Volatile.Read(ref _current)))
            {
                return counters;
            }
            Interlocked.Decrement(ref counters.Writers);
        }
    }

    private interface IBinLookup
    {
        int BinOf(float value);
    }

    private readonly struct NumericLookup(FeatureBins bins) : IBinLookup
    {
        public int BinOf(float value) => bins.NumericBin(value);
    }

    private readonly struct CategoryLookup(FeatureBins bins) : IBinLookup
    {
        public int BinOf(float value) => bins.CategoryBin(value);
    }

    private sealed class Counters(int slots)
    {
        public readonly long[] Slots = new long[slots];
        public int Writers;
    }
}
