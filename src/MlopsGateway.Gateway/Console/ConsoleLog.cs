using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Console;

/// <summary>The console's log events (ids 2110-2129). Key ids and names only: secrets never appear.</summary>
internal static partial class ConsoleLog
{
    [LoggerMessage(EventId = 2110, EventName = "ConsoleSignedIn", Level = LogLevel.Information,
        Message = "Console sign-in by key '{KeyName}' ({KeyId})")]
    public static partial void SignedIn(ILogger logger, string keyName, string keyId);

    [LoggerMessage(EventId = 2111, EventName = "ConsoleSignInRefused", Level = LogLevel.Information,
        Message = "Console sign-in refused from {Client}: {Reason}")]
    public static partial void SignInRefused(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 2112, EventName = "ConsoleSignInLimited", Level = LogLevel.Warning,
        Message = "Console sign-in attempts from {Client} over the limit of {Limit} a minute; refused until the minute is over")]
    public static partial void SignInLimited(ILogger logger, string client, int limit);

    [LoggerMessage(EventId = 2113, EventName = "ConsoleSessionEnded", Level = LogLevel.Information,
        Message = "Console session of key {KeyId} ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, string keyId, string reason);

    [LoggerMessage(EventId = 2114, EventName = "ConsoleSignedOut", Level = LogLevel.Information,
        Message = "Console sign-out by key {KeyId}")]
    public static partial void SignedOut(ILogger logger, string keyId);

    [LoggerMessage(EventId = 2115, EventName = "ConsoleKeyCreated", Level = LogLevel.Information,
        Message = "Console: key '{KeyName}' ({KeyId}) created by {Actor}")]
    public static partial void KeyCreated(ILogger logger, string keyName, string keyId, string actor);

    [LoggerMessage(EventId = 2116, EventName = "ConsoleKeyRevoked", Level = LogLevel.Information,
        Message = "Console: key {KeyId} revoked by {Actor}")]
    public static partial void KeyRevoked(ILogger logger, string keyId, string actor);
}
