using System.CommandLine;
using System.Text.Json;
using MlopsGateway.Registry;
using Spectre.Console;

namespace MlopsGateway.Cli.Commands;

/// <summary>How the registry's commands print: Spectre.Console tables for people, or JSON (<c>--json</c>) for scripts.</summary>
internal static class RegistryOutput
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static Option<bool> JsonOption() => new("--json") { Description = "Print JSON instead of tables, for scripts." };

    /// <summary>A console over <paramref name="output"/>: colours and width only on a terminal, so a file or a test reads plain text.</summary>
    public static IAnsiConsole Console(TextWriter output)
    {
        var isTerminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!isTerminal)
        {
            // A file has no width; wrapping at 80 columns would break every sha256 in two.
            console.Profile.Width = 240;
        }
        return console;
    }

    public static Task WriteJsonAsync<T>(ParseResult parse, T value) =>
        parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(value, s_json));

    /// <summary>Says which records were skipped as unusable, on the error output, so that a listing's output stays what it lists.</summary>
    public static async Task WriteFaultsAsync(ParseResult parse, IReadOnlyList<RecordFault> faults)
    {
        foreach (var fault in faults)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"Skipped {fault.Key}: {fault.Fault}.").ConfigureAwait(false);
        }
    }

    public static Table Table(params string[] columns)
    {
        var table = new Table { Border = TableBorder.Rounded };
        foreach (var column in columns)
        {
            table.AddColumn(column);
        }
        return table;
    }

    /// <summary>A table row from plain text (escaped: names and notes may hold Spectre markup brackets).</summary>
    public static void Row(this Table table, params string?[] cells) => table.AddRow([.. cells.Select(c => Markup.Escape(c ?? ""))]);

    public static string When(DateTimeOffset? at) => at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) : "";
}
