using Microsoft.Extensions.Logging;

namespace MlopsGateway.Gateway.Discovery;

/// <summary>Discovery's log events about what it read from Redis. Event ids and names are a contract.</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 2030, EventName = "RecordSkipped", Level = LogLevel.Warning,
        Message = "Skipped the record at {RedisKey}: {Fault}. The gateway goes on without it; fix or delete it (logged once, until it changes)")]
    public static partial void RecordSkipped(ILogger logger, string redisKey, string fault);

    [LoggerMessage(EventId = 2031, EventName = "SnapshotRebuildFailed", Level = LogLevel.Error,
        Message = "Building a snapshot from what Redis holds failed; serving from the last one until a read succeeds")]
    public static partial void SnapshotRebuildFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2036, EventName = "LegacyKeysCopied", Level = LogLevel.Warning,
        Message = "Copied what this Redis held under the keys of versions before namespaces ('mlops:...') into '{Prefix}...', once: {Keys} API keys, {Routes} routes, {AuditEntries} audit entries. The old keys are left as they were; delete them (redis-cli --scan --pattern 'mlops:*') once every role runs this version")]
    public static partial void LegacyKeysCopied(ILogger logger, int keys, int routes, int auditEntries, string prefix);
}
