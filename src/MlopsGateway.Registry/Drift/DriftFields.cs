using System.Globalization;
using MlopsGateway.Registry.Baselines;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Drift;

/// <summary>
/// The fields of a drift bucket hash: <c>rows</c>, <c>f&lt;i&gt;:&lt;bin&gt;</c>, <c>m&lt;i&gt;</c> and
/// <c>p:&lt;bin&gt;</c>; written from a <see cref="WindowCounts"/>, read back into one with every field checked.
/// </summary>
internal static class DriftFields
{
    public const string Rows = "rows";

    /// <summary>The non-zero counts of <paramref name="counts"/>, by field.</summary>
    public static List<(string Field, long Value)> Of(WindowCounts counts)
    {
        var fields = new List<(string, long)>();
        if (counts.Rows != 0)
        {
            fields.Add((Rows, counts.Rows));
        }
        for (var f = 0; f < counts.Features.Count; f++)
        {
            var bins = counts.Features[f];
            for (var b = 0; b < bins.Length; b++)
            {
                if (bins[b] != 0)
                {
                    fields.Add((string.Create(CultureInfo.InvariantCulture, $"f{f}:{b}"), bins[b]));
                }
            }
        }
        for (var f = 0; f < counts.Missing.Count; f++)
        {
            if (counts.Missing[f] != 0)
            {
                fields.Add((string.Create(CultureInfo.InvariantCulture, $"m{f}"), counts.Missing[f]));
            }
        }
        if (counts.Prediction is { } prediction)
        {
            for (var b = 0; b < prediction.Length; b++)
            {
                if (prediction[b] != 0)
                {
                    fields.Add((string.Create(CultureInfo.InvariantCulture, $"p:{b}"), prediction[b]));
                }
            }
        }
        return fields;
    }

    /// <summary>Bucket hashes summed in the bins of one profile.</summary>
    public sealed class Sum(BaselineProfile profile)
    {
        private readonly long[][] _features = [.. profile.Features.Select(f => new long[f.BinCount])];
        private readonly long[] _missing = new long[profile.Features.Count];
        private readonly long[]? _prediction = profile.Prediction is { } p ? new long[p.BinCount] : null;
        private long _rows;

        /// <summary>Adds one field; returns why it was skipped, or null when it was added.</summary>
        public string? Add(string field, RedisValue value)
        {
            if (!long.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return "it is not a count (a whole number, zero or more)";
            }
            if (field == Rows)
            {
                _rows += count;
                return null;
            }
            if (field.StartsWith("p:", StringComparison.Ordinal))
            {
                return _prediction is null ? "the baseline has no prediction profile"
                    : TryAdd(_prediction, field.AsSpan(2), count) ? null : $"it is not a bin of the prediction's {_prediction.Length}";
            }
            if (field.StartsWith('m'))
            {
                return Index(field.AsSpan(1), _missing.Length) is { } feature
                    ? Added(ref _missing[feature], count)
                    : $"it names no feature of the baseline's {_missing.Length}";
            }
            if (field.StartsWith('f') && field.IndexOf(':', StringComparison.Ordinal) is > 1 and var colon)
            {
                if (Index(field.AsSpan(1, colon - 1), _features.Length) is not { } feature)
                {
                    return $"it names no feature of the baseline's {_features.Length}";
                }
                return TryAdd(_features[feature], field.AsSpan(colon + 1), count) ? null : $"it is not a bin of feature {feature}'s {_features[feature].Length}";
            }
            return "it is not a drift count field (rows, f<i>:<bin>, m<i>, p:<bin>)";
        }

        public WindowCounts ToCounts(string model, string version, DateTimeOffset from, DateTimeOffset to) =>
            new(model, version, from, to, _rows, _features, _missing, _prediction);

        private static string? Added(ref long total, long count)
        {
            total += count;
            return null;
        }

        private static bool TryAdd(long[] bins, ReadOnlySpan<char> bin, long count)
        {
            if (Index(bin, bins.Length) is not { } at)
            {
                return false;
            }
            bins[at] += count;
            return true;
        }

        private static int? Index(ReadOnlySpan<char> text, int count) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < count ? index : null;
    }
}
