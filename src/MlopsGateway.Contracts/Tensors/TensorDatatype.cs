namespace MlopsGateway.Contracts.Tensors;

/// <summary>
/// The Open Inference Protocol's datatype names, with each one's element size and the typed
/// <c>contents</c> field that carries it. The one place these facts are written: the worker, the
/// gateway, the CLI and the load tool all read them from here.
/// </summary>
public static class TensorDatatype
{
    /// <summary>Booleans, one byte each (0 or 1) when raw.</summary>
    public const string Bool = "BOOL";

    /// <summary>Unsigned 8-bit integers.</summary>
    public const string UInt8 = "UINT8";

    /// <summary>Unsigned 16-bit integers.</summary>
    public const string UInt16 = "UINT16";

    /// <summary>Unsigned 32-bit integers.</summary>
    public const string UInt32 = "UINT32";

    /// <summary>Unsigned 64-bit integers.</summary>
    public const string UInt64 = "UINT64";

    /// <summary>Signed 8-bit integers.</summary>
    public const string Int8 = "INT8";

    /// <summary>Signed 16-bit integers.</summary>
    public const string Int16 = "INT16";

    /// <summary>Signed 32-bit integers.</summary>
    public const string Int32 = "INT32";

    /// <summary>Signed 64-bit integers.</summary>
    public const string Int64 = "INT64";

    /// <summary>IEEE half-precision floats; raw only.</summary>
    public const string Fp16 = "FP16";

    /// <summary>bfloat16 (the upper half of an FP32); raw only.</summary>
    public const string Bf16 = "BF16";

    /// <summary>IEEE single-precision floats.</summary>
    public const string Fp32 = "FP32";

    /// <summary>IEEE double-precision floats.</summary>
    public const string Fp64 = "FP64";

    /// <summary>Byte strings; raw, each element is a 4-byte little-endian length and then its bytes.</summary>
    public const string Bytes = "BYTES";

    /// <summary>Every datatype name the protocol defines.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Bool, UInt8, UInt16, UInt32, UInt64, Int8, Int16, Int32, Int64, Fp16, Bf16, Fp32, Fp64, Bytes];

    /// <summary>Whether <paramref name="datatype"/> is a protocol datatype name, spelled exactly.</summary>
    public static bool IsKnown(string? datatype) => datatype == Bytes || ElementSize(datatype) > 0;

    /// <summary>
    /// The protocol name that <paramref name="text"/> spells, in any letter case
    /// (<c>fp32</c> gives <see cref="Fp32"/>); false for anything else.
    /// </summary>
    public static bool TryParse(string? text, out string datatype)
    {
        var upper = text?.Trim().ToUpperInvariant();
        datatype = IsKnown(upper) ? upper! : "";
        return datatype.Length > 0;
    }

    /// <summary>The protocol name that <paramref name="text"/> spells, in any letter case.</summary>
    /// <exception cref="ArgumentException">It spells none; the message lists the names there are.</exception>
    public static string Parse(string? text) =>
        TryParse(text, out var datatype) ? datatype
        : throw new ArgumentException($"'{text}' is not a protocol datatype; the datatypes are {string.Join(", ", All)}.", nameof(text));

    /// <summary>Bytes per element in raw contents; 0 for BYTES, whose elements vary in length, and for unknown names.</summary>
    public static int ElementSize(string? datatype) => datatype switch
    {
        Bool or Int8 or UInt8 => 1,
        Int16 or UInt16 or Fp16 or Bf16 => 2,
        Int32 or UInt32 or Fp32 => 4,
        Int64 or UInt64 or Fp64 => 8,
        _ => 0,
    };

    /// <summary>Whether the datatype can travel in typed <c>contents</c>: every known one but FP16 and BF16, which travel only raw.</summary>
    public static bool HasTypedContents(string? datatype) => IsKnown(datatype) && datatype is not (Fp16 or Bf16);

    /// <summary>Whether the datatype holds floating-point numbers (FP16, BF16, FP32, FP64).</summary>
    public static bool IsFloatingPoint(string? datatype) => datatype is Fp16 or Bf16 or Fp32 or Fp64;

    /// <summary>Whether the datatype holds integers, signed or not.</summary>
    public static bool IsInteger(string? datatype) => datatype is Int8 or Int16 or Int32 or Int64 or UInt8 or UInt16 or UInt32 or UInt64;

    /// <summary>
    /// The <c>InferTensorContents</c> field that carries values of <paramref name="datatype"/>, as the
    /// protocol names it; the narrow integers travel widened (INT8 and INT16 in <c>int_contents</c>).
    /// </summary>
    public static string ContentsField(string? datatype) => datatype switch
    {
        Bool => "bool_contents",
        Int8 or Int16 or Int32 => "int_contents",
        Int64 => "int64_contents",
        UInt8 or UInt16 or UInt32 => "uint_contents",
        UInt64 => "uint64_contents",
        Fp32 => "fp32_contents",
        Fp64 => "fp64_contents",
        _ => "bytes_contents",
    };
}
