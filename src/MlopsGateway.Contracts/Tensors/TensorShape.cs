namespace MlopsGateway.Contracts.Tensors;

/// <summary>A tensor's dimensions as the protocol writes them: -1 marks a variable one in metadata.</summary>
public static class TensorShape
{
    /// <summary>Formats a shape as <c>[d0, d1, …]</c>, the way error messages and the CLI print it.</summary>
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>How many elements a concrete shape holds: the product of its dimensions, 1 for a scalar.</summary>
    /// <exception cref="ArgumentException">A dimension is negative (a variable one), or the product overflows.</exception>
    public static long ElementCount(IEnumerable<long> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Shape {Format(shape)} is not concrete: {dimension} is not a size.", nameof(shape));
            }
            try
            {
                count = checked(count * dimension);
            }
            catch (OverflowException ex)
            {
                throw new ArgumentException($"Shape {Format(shape)} holds more elements than can be counted.", nameof(shape), ex);
            }
        }
        return count;
    }
}
