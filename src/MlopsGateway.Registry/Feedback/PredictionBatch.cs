using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// Predictions encoded as they are added, for <see cref="FeedbackStore.RecordAsync(PredictionBatch, TimeSpan)"/>:
/// each one's stored line (the id, a space, its <see cref="StoredPrediction"/> JSON, a newline) in one
/// buffer the batch owns, and beside it a struct of what the write groups it by (model, version, time,
/// block). Cleared and filled again, a batch allocates nothing per prediction once its buffers have
/// grown to the load: a worker fills one on the request path while it writes the other, so nothing
/// per prediction lives long enough for the collector to promote it (perf/monitoring-overhead.md).
/// Not thread-safe: whoever shares one adds under a lock.
/// </summary>
public sealed class PredictionBatch
{
    // The longest a float or a double is written ("-1.7976931348623157E+308"), and an int or a long.
    private const int MaxNumberLength = 24;

    /// <summary>An <see cref="Entry.Block"/> of an id that names none (a block's number has 58 bits).</summary>
    internal const ulong NoBlock = ulong.MaxValue;

    private readonly int _maxBytes;
    private Entry[] _entries;
    private byte[] _bytes;
    private string? _version;
    private byte[] _versionJson = [];

    /// <summary>A batch of at most <paramref name="capacity"/> predictions and <paramref name="maxBytes"/> bytes of lines.</summary>
    public PredictionBatch(int capacity, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        _entries = new Entry[capacity];
        _maxBytes = maxBytes;
        _bytes = new byte[Math.Min(maxBytes, Math.Max(4096, Math.Min(capacity, 1024) * 128))];
    }

    /// <summary>How many predictions it holds.</summary>
    public int Count { get; private set; }

    /// <summary>The bytes of their lines.</summary>
    public int Length { get; private set; }

    /// <summary>The most predictions it holds.</summary>
    public int Capacity => _entries.Length;

    internal ReadOnlySpan<Entry> Entries => _entries.AsSpan(0, Count);

    internal ReadOnlySpan<byte> Bytes => _bytes.AsSpan(0, Length);

    /// <summary>Empties it, keeping its buffers.</summary>
    public void Clear() => (Count, Length) = (0, 0);

    /// <summary>
    /// Adds <paramref name="model"/>'s prediction <paramref name="id"/> (with <c>#<paramref name="row"/></c>
    /// when <paramref name="row"/> is 0 or more) by <paramref name="version"/> at <paramref name="at"/>: a
    /// classifier's <paramref name="class"/> and, when not empty, its <paramref name="probabilities"/>, or a
    /// regressor's <paramref name="value"/>. False, and nothing added, when the batch is full.
    /// </summary>
    /// <exception cref="ArgumentException">A probability or the value is not a finite number (JSON has none), or neither a class nor a value is given.</exception>
    public bool TryAdd(string model, string version, ReadOnlySpan<char> id, int row, DateTimeOffset at, int? @class,
        ReadOnlySpan<float> probabilities, double? value)
    {
        if (@class is null == value is null)
        {
            throw new ArgumentException("A prediction is a class or a value.", nameof(@class));
        }
        if (value is { } v && !double.IsFinite(v))
        {
            throw new ArgumentException($"The predicted value {v} is not a finite number.", nameof(value));
        }
        foreach (var share in probabilities)
        {
            if (!float.IsFinite(share))
            {
                throw new ArgumentException($"The probability {share} is not a finite number.", nameof(probabilities));
            }
        }
        if (Count == _entries.Length)
        {
            return false;
        }
        if (!ReferenceEquals(version, _version))
        {
            _versionJson = JsonEncodedText.Encode(version).EncodedUtf8Bytes.ToArray();
            _version = version;
        }
        // An upper bound of the line's bytes: the id in UTF-8, the row, and each part of the JSON.
        var most = Encoding.UTF8.GetMaxByteCount(id.Length) + 12 + 1 + 7 + _versionJson.Length + 6 + MaxNumberLength
            + 5 + MaxNumberLength + 7 + ((MaxNumberLength + 1) * probabilities.Length) + 6 + MaxNumberLength + 2;
        if (!Reserve(most))
        {
            return false;
        }
        ulong block = 0;
        var line = _bytes.AsSpan(Length);
        var n = Encoding.UTF8.GetBytes(id, line);
        if (row >= 0)
        {
            line[n++] = (byte)'#';
            n += Format(row, line[n..]);
        }
        var idLength = n;
        n += Put(" {\"v\":\""u8, line[n..]);
        n += Put(_versionJson, line[n..]);
        n += Put("\",\"t\":"u8, line[n..]);
        n += Format(at.ToUnixTimeMilliseconds(), line[n..]);
        if (@class is { } c)
        {
            n += Put(",\"c\":"u8, line[n..]);
            n += Format(c, line[n..]);
        }
        if (!probabilities.IsEmpty)
        {
            n += Put(",\"p\":["u8, line[n..]);
            for (var i = 0; i < probabilities.Length; i++)
            {
                if (i > 0)
                {
                    line[n++] = (byte)',';
                }
                n += Format(probabilities[i], line[n..]);
            }
            line[n++] = (byte)']';
        }
        if (value is { } x)
        {
            n += Put(",\"x\":"u8, line[n..]);
            n += Format(x, line[n..]);
        }
        n += Put("}\n"u8, line[n..]);
        // A row's id is the request's with "#row": in the request's block when the request's id is one a worker made.
        var inBlock = (row < 0 || !id.Contains('#')) && PredictionIds.TryBlockOf(id, out block);
        _entries[Count++] = new Entry(model, version, at.ToUnixTimeMilliseconds(), inBlock ? block : NoBlock, Length, idLength, n);
        Length += n;
        return true;
    }

    /// <summary>Adds <paramref name="record"/>; false when the batch is full.</summary>
    /// <exception cref="ArgumentException">As <see cref="TryAdd(string, string, ReadOnlySpan{char}, int, DateTimeOffset, int?, ReadOnlySpan{float}, double?)"/>.</exception>
    public bool TryAdd(PredictionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var shares = record.Probabilities switch
        {
            null => [],
            float[] array => array,
            var list => list.ToArray(),
        };
        return TryAdd(record.Model, record.Version, record.Id, -1, record.At, record.Class, shares, record.Value);
    }

    /// <summary>
    /// Moves in as many of <paramref name="other"/>'s predictions, from its first, as fit, and answers
    /// how many: a copy of their lines and entries, no encoding. Lets a caller encode into a batch of
    /// its own outside a lock and hold the lock only for this.
    /// </summary>
    public int AddFrom(PredictionBatch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var n = 0;
        var bytes = 0;
        while (n < other.Count && Count + n < _entries.Length && (long)Length + bytes + other._entries[n].Length <= _maxBytes)
        {
            bytes += other._entries[n].Length;
            n++;
        }
        if (n == 0 || !Reserve(bytes))
        {
            return 0;
        }
        // Its lines lie in order from its start, so the first n are its first bytes.
        other._bytes.AsSpan(0, bytes).CopyTo(_bytes.AsSpan(Length));
        for (var i = 0; i < n; i++)
        {
            _entries[Count + i] = other._entries[i] with { Start = other._entries[i].Start + Length };
        }
        Count += n;
        Length += bytes;
        return n;
    }

    /// <summary>Adds to <paramref name="counts"/> how many of its predictions each model has.</summary>
    public void CountByModel(Dictionary<string, int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        foreach (var entry in Entries)
        {
            counts[entry.Model] = counts.GetValueOrDefault(entry.Model) + 1;
        }
    }

    /// <summary>The predictions it holds, read back from their lines: for tests and tools, not the request path.</summary>
    public IReadOnlyList<PredictionRecord> Records()
    {
        var records = new List<PredictionRecord>(Count);
        foreach (var entry in Entries)
        {
            var line = Bytes.Slice(entry.Start, entry.Length);
            var stored = JsonSerializer.Deserialize<StoredPrediction>(line[(entry.IdLength + 1)..^1])!;
            records.Add(stored.ToRecord(entry.Model, Encoding.UTF8.GetString(line[..entry.IdLength])));
        }
        return records;
    }

    private bool Reserve(int bytes)
    {
        if (Length + bytes <= _bytes.Length)
        {
            return true;
        }
        if (Length + bytes > _maxBytes)
        {
            return false;
        }
        // Grows to the load once; a batch is reused, so this is rare after the first seconds.
        Array.Resize(ref _bytes, (int)Math.Min(_maxBytes, Math.Max((long)_bytes.Length * 2, Length + bytes)));
        return true;
    }

    private static int Put(ReadOnlySpan<byte> text, Span<byte> to)
    {
        text.CopyTo(to);
        return text.Length;
    }

    // Invariant and shortest round-trip, as Utf8JsonWriter writes numbers.
    private static int Format<T>(T number, Span<byte> to) where T : IUtf8SpanFormattable
    {
        if (!number.TryFormat(to, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A prediction's line outgrew the room reserved for it.");
        }
        return written;
    }

    /// <summary>One prediction: what it is grouped by, and where its line lies in the batch's bytes.</summary>
    /// <param name="Model">The model.</param>
    /// <param name="Version">The version that answered.</param>
    /// <param name="At">When, Unix milliseconds.</param>
    /// <param name="Block">The block its id names (<see cref="PredictionIds"/>), or <see cref="NoBlock"/> for an id from a caller.</param>
    /// <param name="Start">Where its line starts.</param>
    /// <param name="IdLength">The id's bytes at the line's start.</param>
    /// <param name="Length">The line's bytes, with its newline.</param>
    internal readonly record struct Entry(string Model, string Version, long At, ulong Block, int Start, int IdLength, int Length);
}
