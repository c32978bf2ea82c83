using System.Globalization;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>
/// What the registry says about one version's future: deprecated (when, until when, for what) and
/// retired. The response headers are formatted once, when the snapshot is built, not per call.
/// </summary>
internal sealed class VersionNotice
{
    public VersionNotice(string model, string version, DateTimeOffset? deprecatedAt, DateTimeOffset? sunset, string? replacement, string? note, DateTimeOffset? retiredAt)
    {
        Model = model;
        Version = version;
        DeprecatedAt = deprecatedAt;
        Sunset = sunset;
        Replacement = string.IsNullOrEmpty(replacement) ? null : replacement;
        Note = note;
        RetiredAt = retiredAt;
        if (deprecatedAt is { } at)
        {
            // RFC 9745: a structured-field Date, '@' and seconds since the epoch.
            DeprecationHeader = "@" + at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }
        if (sunset is { } end)
        {
            // RFC 8594: an HTTP-date.
            SunsetHeader = end.UtcDateTime.ToString("R", CultureInfo.InvariantCulture);
        }
        if (Replacement is not null)
        {
            LinkHeader = $"<{Address(model, Replacement)}>; rel=\"successor-version\"";
        }
    }

    public string Model { get; }

    public string Version { get; }

    /// <summary>When the version was deprecated; null when it is not.</summary>
    public DateTimeOffset? DeprecatedAt { get; }

    /// <summary>When it stops answering calls that pin it.</summary>
    public DateTimeOffset? Sunset { get; }

    /// <summary>The version callers should move to, or null.</summary>
    public string? Replacement { get; }

    public string? Note { get; }

    /// <summary>When it was taken out of service; null while it serves.</summary>
    public DateTimeOffset? RetiredAt { get; }

    /// <summary>The <c>deprecation</c> header's value, or null.</summary>
    public string? DeprecationHeader { get; }

    /// <summary>The <c>sunset</c> header's value, or null.</summary>
    public string? SunsetHeader { get; }

    /// <summary>The <c>link</c> header's value naming the replacement, or null.</summary>
    public string? LinkHeader { get; }

    /// <summary>Whether answers carry the deprecation headers.</summary>
    public bool Deprecated => DeprecatedAt is not null;

    /// <summary>Whether calls pinning this version are refused at <paramref name="now"/>.</summary>
    public bool PastSunset(DateTimeOffset now) => Sunset is { } end && now >= end;

    /// <summary>A version's address in the link header: <c>mlops://models/M/versions/V</c> (what <c>mlops models show M V</c> shows).</summary>
    public static string Address(string model, string version) =>
        $"mlops://models/{Uri.EscapeDataString(model)}/versions/{Uri.EscapeDataString(version)}";
}
