namespace MlopsGateway.LoadTest.Http2.Hpack;

/// <summary>
/// HPACK's decoder (RFC 7541) for one connection's responses: the static table, the dynamic table
/// with its size limit and evictions (section 4), integers with prefixes (5.1), string literals raw
/// or Huffman-coded (5.2), and the five field representations (6). One instance per connection, used
/// by its read loop only: the dynamic table is the connection's state, so every block must pass
/// through it in order, including those of streams no longer waited for.
/// </summary>
internal sealed class HpackDecoder
{
    private const int EntryOverhead = 32;

    private readonly int _maxTableSizeLimit;
    // The dynamic table as a ring, newest at _newest; each entry name and value in one array.
    private (byte[] Bytes, int NameLength)[] _entries = new (byte[], int)[16];
    private int _newest = -1;
    private int _count;
    private int _size;
    private int _maxSize;
    private byte[] _nameScratch = new byte[64];
    private byte[] _valueScratch = new byte[256];

    /// <param name="maxTableSize">The SETTINGS_HEADER_TABLE_SIZE this side announced: the most a size update may ask for.</param>
    public HpackDecoder(int maxTableSize = 4096)
    {
        _maxTableSizeLimit = maxTableSize;
        _maxSize = maxTableSize;
    }

    /// <summary>The dynamic table's size as section 4.1 counts it.</summary>
    public int TableSize => _size;

    /// <summary>Entries in the dynamic table.</summary>
    public int TableCount => _count;

    /// <summary>Decodes a whole header block, handing each field to <paramref name="sink"/>.</summary>
    /// <exception cref="HpackException">The block is not valid HPACK.</exception>
    public void Decode(ReadOnlySpan<byte> block, IHeaderSink sink)
    {
        var at = 0;
        var fieldSeen = false;
        while (at < block.Length)
        {
            var first = block[at];
            if ((first & 0x80) != 0)
            {
                Entry(ReadInteger(block, ref at, 7), out var name, out var value);
                sink.OnHeader(name, value);
                fieldSeen = true;
            }
            else if ((first & 0xc0) == 0x40)
            {
                ReadLiteral(block, ref at, 6, out var name, out var value);
                // Copied before the insertion: evicting may drop the entry the name came from.
                var bytes = new byte[name.Length + value.Length];
                name.CopyTo(bytes);
                value.CopyTo(bytes.AsSpan(name.Length));
                Insert(bytes, name.Length);
                sink.OnHeader(bytes.AsSpan(0, name.Length), bytes.AsSpan(name.Length));
                fieldSeen = true;
            }
            else if ((first & 0xe0) == 0x20)
            {
                // Section 4.2: only at the start of a block.
                if (fieldSeen)
                {
                    throw new HpackException("A dynamic table size update follows a header field.");
                }
                var size = ReadInteger(block, ref at, 5);
                if (size > _maxTableSizeLimit)
                {
                    throw new HpackException($"A dynamic table size update asks for {size} bytes, above the {_maxTableSizeLimit} announced.");
                }
                _maxSize = size;
                Evict(0);
            }
            else
            {
                // 0000xxxx without indexing, 0001xxxx never indexed: the same to a decoder.
                ReadLiteral(block, ref at, 4, out var name, out var value);
                sink.OnHeader(name, value);
                fieldSeen = true;
            }
        }
    }

    private void ReadLiteral(ReadOnlySpan<byte> block, ref int at, int prefix, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var index = ReadInteger(block, ref at, prefix);
        if (index == 0)
        {
            name = ReadString(block, ref at, ref _nameScratch);
        }
        else
        {
            Entry(index, out name, out _);
        }
        value = ReadString(block, ref at, ref _valueScratch);
    }

    private ReadOnlySpan<byte> ReadString(ReadOnlySpan<byte> block, ref int at, ref byte[] scratch)
    {
        if (at >= block.Length)
        {
            throw new HpackException("A header block ends before a string literal.");
        }
        var huffman = (block[at] & 0x80) != 0;
        var length = ReadInteger(block, ref at, 7);
        if (length > block.Length - at)
        {
            throw new HpackException("A string literal runs past the end of its header block.");
        }
        var raw = block.Slice(at, length);
        at += length;
        if (!huffman)
        {
            return raw;
        }
        // The shortest code is 5 bits: at most 8/5 symbols per byte.
        var most = (length * 8 / 5) + 1;
        if (scratch.Length < most)
        {
            scratch = new byte[Math.Max(most, scratch.Length * 2)];
        }
        return scratch.AsSpan(0, Huffman.Decode(raw, scratch));
    }

    /// <summary>An integer with an N-bit prefix (section 5.1), starting in the prefix of block[at].</summary>
    internal static int ReadInteger(ReadOnlySpan<byte> block, ref int at, int prefixBits)
    {
        if (at >= block.Length)
        {
            throw new HpackException("A header block ends inside an integer.");
        }
        var mask = (1 << prefixBits) - 1;
        var value = block[at++] & mask;
        if (value < mask)
        {
            return value;
        }
        var shift = 0;
        while (true)
        {
            if (at >= block.Length)
            {
                throw new HpackException("A header block ends inside an integer.");
            }
            var b = block[at++];
            if (shift > 21)
            {
                throw new HpackException("An integer in a header block is too large.");
            }
            value += (b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private void Entry(int index, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (index == 0)
        {
            throw new HpackException("A header field refers to index 0.");
        }
        if (index <= HpackStaticTable.Count)
        {
            var (staticName, staticValue) = HpackStaticTable.Get(index);
            name = staticName;
            value = staticValue;
            return;
        }
        var age = index - HpackStaticTable.Count - 1;
        if (age >= _count)
        {
            throw new HpackException($"A header field refers to index {index}, past the dynamic table's {_count} entries.");
        }
        var (bytes, nameLength) = _entries[(_newest - age + _entries.Length) % _entries.Length];
        name = bytes.AsSpan(0, nameLength);
        value = bytes.AsSpan(nameLength);
    }

    private void Insert(byte[] bytes, int nameLength)
    {
        var size = bytes.Length + EntryOverhead;
        // Section 4.4: an entry larger than the table empties it and is not added.
        Evict(Math.Min(size, _maxSize + 1));
        if (size > _maxSize)
        {
            return;
        }
        if (_count == _entries.Length)
        {
            var grown = new (byte[], int)[_entries.Length * 2];
            for (var age = 0; age < _count; age++)
            {
                grown[_count - 1 - age] = _entries[(_newest - age + _entries.Length) % _entries.Length];
            }
            _entries = grown;
            _newest = _count - 1;
        }
        _newest = (_newest + 1) % _entries.Length;
        _entries[_newest] = (bytes, nameLength);
        _count++;
        _size += size;
    }

    // Drops the oldest entries until `room` more bytes fit under the limit.
    private void Evict(int room)
    {
        while (_count > 0 && _size + room > _maxSize)
        {
            var oldest = (_newest - _count + 1 + _entries.Length) % _entries.Length;
            _size -= _entries[oldest].Bytes.Length + EntryOverhead;
            _entries[oldest] = default;
            _count--;
        }
    }
}
