using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using MlopsGateway.LoadTest;

namespace MlopsGateway.Cli.Commands;

/// <summary>A duration as written (<c>50ms</c>), so that help shows a default the way a person types it.</summary>
internal readonly record struct DurationValue(TimeSpan Value, string Text)
{
    public override string ToString() => Text;
}

/// <summary>
/// Options whose values the parser reads and checks, so that a bad one (<c>--port 70000</c>,
/// <c>--duration 5x</c>, <c>--gateway notaurl</c>) is refused with the option's name before a command
/// starts anything, every such problem listed at once, and handlers get typed values.
/// </summary>
internal static class TypedOptions
{
    private delegate bool TryParse<T>(string text, out T value);

    /// <summary>A duration (<c>10ms</c>, <c>1s</c>, <c>2m</c>, <c>0</c>).</summary>
    public static Option<DurationValue> Duration(string name, string description, string fallback, string example) => new(name)
    {
        Description = description,
        HelpName = "duration",
        DefaultValueFactory = _ => DurationText.TryParse(fallback, out var value)
            ? new DurationValue(value, fallback)
            : throw new ArgumentException($"The default '{fallback}' of {name} is not a duration.", nameof(fallback)),
        CustomParser = result => Single(result, name, (string text, out DurationValue value) =>
        {
            var ok = DurationText.TryParse(text, out var span);
            value = new DurationValue(span, text);
            return ok;
        }, $"is not a duration; write e.g. {example}."),
    };

    /// <summary>A TCP port; 0 picks a free one.</summary>
    public static Option<int> Port(string name, string description, int fallback) => new(name)
    {
        Description = description,
        HelpName = "port",
        DefaultValueFactory = _ => fallback,
        CustomParser = result => Single(result, name,
            (string text, out int port) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= IPEndPoint.MaxPort,
            "is not a port; give 0-65535 (0 picks a free one)."),
    };

    /// <summary>An IP address to listen on.</summary>
    public static Option<IPAddress> Address(string name, string description, string fallback) => new(name)
    {
        Description = description,
        HelpName = "address",
        DefaultValueFactory = _ => IPAddress.Parse(fallback),
        CustomParser = result => Single<IPAddress>(result, name, (string text, out IPAddress value) =>
        {
            var ok = IPAddress.TryParse(text, out var address);
            value = address!;
            return ok;
        }, "is not an IP address; use 127.0.0.1, 0.0.0.0 or ::."),
    };

    /// <summary>An absolute http:// or https:// address; null when left out and <paramref name="fallback"/> is null.</summary>
    public static Option<Uri?> HttpAddress(string name, string description, string? fallback, string example) => new(name)
    {
        Description = description,
        HelpName = "url",
        DefaultValueFactory = fallback is null ? null : _ => new Uri(fallback),
        CustomParser = result => Single(result, name, (string text, out Uri? uri) => IsHttp(text, out uri),
            $"is not an http:// or https:// address, e.g. {example}."),
    };

    /// <summary>A W3C <c>traceparent</c> value (version, trace id, parent span id, flags); null when left out.</summary>
    public static Option<string?> TraceParent(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "traceparent",
        CustomParser = result => Single(result, name, (string text, out string? value) =>
        {
            value = text;
            return ActivityContext.TryParse(text, null, isRemote: true, out _);
        }, "is not a W3C traceparent, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01."),
    };

    /// <summary>Absolute addresses, the option repeated; which schemes serve is for the role's settings to say.</summary>
    public static Option<Uri[]> Addresses(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "url",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = result => Each(result, name, (string text, out Uri uri) =>
        {
            var ok = Uri.TryCreate(text, UriKind.Absolute, out var parsed);
            uri = parsed!;
            return ok;
        },
            "is not an absolute address, e.g. http://10.0.0.5:5001."),
    };

    /// <summary>Names, repeated or comma-separated, flattened into one list (empty when left out).</summary>
    public static Option<string[]> Names(string name, string description) => new(name)
    {
        Description = description,
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => [],
        CustomParser = result => result.Tokens
            .SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
    };

    /// <summary>A comma-separated list of whole numbers (<c>1,4,16</c>); null when left out.</summary>
    public static Option<int[]?> Integers(string name, string description, string example) => new(name)
    {
        Description = description,
        HelpName = "list",
        CustomParser = result => List(result, name, (string s, out int n) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n), example),
    };

    /// <summary>A comma-separated list of numbers (<c>100,500.5</c>); null when left out.</summary>
    public static Option<double[]?> Numbers(string name, string description, string example) => new(name)
    {
        Description = description,
        HelpName = "list",
        CustomParser = result => List(result, name, (string s, out double n) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out n), example),
    };

    /// <summary>Input shapes, <c>name=d0,d1,...</c>, repeatable; empty when left out.</summary>
    public static Option<IReadOnlyDictionary<string, long[]>> Shapes(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "name=d0,d1,...",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => new Dictionary<string, long[]>(StringComparer.Ordinal),
        CustomParser = result =>
        {
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var text in result.Tokens.Select(t => t.Value))
            {
                var separator = text.IndexOf('=', StringComparison.Ordinal);
                var dims = separator > 0 ? text[(separator + 1)..].Split(',', StringSplitOptions.TrimEntries) : [];
                var sizes = new long[dims.Length];
                if (separator <= 0 || dims.Length == 0
                    || !dims.Select((d, i) => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i])).All(ok => ok))
                {
                    result.AddError($"{name} '{text}' is not name=d0,d1,..., e.g. input=1,3,224,224.");
                    continue;
                }
                shapes[text[..separator].Trim()] = sizes;
            }
            return shapes;
        },
    };

    /// <summary>Refuses values of <paramref name="option"/> outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<T> Within<T>(this Option<T> option, T min, T max, string refusal)
        where T : IComparable<T>
    {
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<T>();
            if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
            {
                result.AddError(string.Format(CultureInfo.InvariantCulture, refusal, value));
            }
        });
        return option;
    }

    private static bool IsHttp(string text, out Uri? uri) =>
        Uri.TryCreate(text, UriKind.Absolute, out uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static T Single<T>(ArgumentResult result, string name, TryParse<T> parse, string refusal)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (parse(text, out var value))
        {
            return value;
        }
        result.AddError($"{name} '{text}' {refusal}");
        return default!;
    }

    private static T[] Each<T>(ArgumentResult result, string name, TryParse<T> parse, string refusal)
    {
        var values = new List<T>();
        foreach (var text in result.Tokens.Select(t => t.Value))
        {
            if (parse(text, out var value))
            {
                values.Add(value);
            }
            else
            {
                result.AddError($"{name} '{text}' {refusal}");
            }
        }
        return [.. values];
    }

    private static T[]? List<T>(ArgumentResult result, string name, TryParse<T> parse, string example)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        var values = new List<T>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!parse(item, out var value))
            {
                result.AddError($"{name} '{text}' is not a comma-separated list of numbers, e.g. {example}.");
                return null;
            }
            values.Add(value);
        }
        return [.. values];
    }
}
