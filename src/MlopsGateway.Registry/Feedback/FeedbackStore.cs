using System.Text.Json;
using MlopsGateway.Registry.Baselines;
using MlopsGateway.Registry.Internal;
using StackExchange.Redis;

namespace MlopsGateway.Registry.Feedback;

/// <summary>
/// Ground truth in Redis (keys in <see cref="FeedbackKeys"/>): the predictions workers record by id,
/// the one label each may get (checked against the version's classes or range, stored with the key
/// that sent it), and the figures accuracy is computed from: labelled pairs and prediction counts
/// per version and minute, without the labels of excluded senders. DI-free; every record is
/// checked when read.
/// </summary>
public sealed partial class FeedbackStore
{
    /// <summary>How long labels, labelled pairs and prediction counts are kept: the longest window figures can be read over.</summary>
    public static readonly TimeSpan FigureRetention = TimeSpan.FromDays(30);

    /// <summary>The longest prediction id accepted, in characters (it is part of a Redis key).</summary>
    public const int MaxIdLength = 256;

    private static readonly JsonSerializerOptions s_pairJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly FeedbackKeys _feedback;
    private readonly TimeProvider _time;
    private readonly Func<string, string, Task<BaselineProfile?>>? _baselines;

    /// <summary>
    /// A store over <paramref name="redis"/> in namespace <paramref name="keys"/> (<see cref="RedisKeys.Default"/> when null).
    /// <paramref name="time"/> stamps labels (the system clock when null); <paramref name="baselines"/> gives a version's
    /// baseline (model, version; null when it has none), whose classes and prediction range labels are checked against first.
    /// </summary>
    public FeedbackStore(
        IConnectionMultiplexer redis, RedisKeys? keys = null, TimeProvider? time = null, Func<string, string, Task<BaselineProfile?>>? baselines = null)
    {
        _redis = redis;
        _keys = keys ?? RedisKeys.Default;
        _feedback = _keys.Feedback;
        _time = time ?? TimeProvider.System;
        _baselines = baselines;
    }

    /// <summary>Stores what version <paramref name="schema"/> names predicts, replacing what was there.</summary>
    public Task SetSchemaAsync(PredictionSchema schema) =>
        _redis.GetDatabase().StringSetAsync(_feedback.Schema(schema.Model, schema.Version), JsonSerializer.Serialize(schema));

    /// <summary>What version <paramref name="version"/> of <paramref name="model"/> predicts, as its workers wrote it; null when none did.</summary>
    /// <exception cref="FeedbackRecordException">The stored record is not a valid one.</exception>
    public async Task<PredictionSchema?> GetSchemaAsync(string model, string version)
    {
        var key = _feedback.Schema(model, version);
        var value = await _redis.GetDatabase().StringGetAsync(key).ConfigureAwait(false);
        return Checked<PredictionSchema>(key, value, r => FeedbackChecks.Schema(model, version, r));
    }

    /// <summary>The label sent for prediction <paramref name="id"/>; null when none was.</summary>
    /// <exception cref="FeedbackRecordException">The stored record is not a valid one.</exception>
    public async Task<LabelRecord?> GetLabelAsync(string model, string id)
    {
        var key = _feedback.Label(model, id);
        var value = await _redis.GetDatabase().StringGetAsync(key).ConfigureAwait(false);
        return Checked<LabelRecord>(key, value, r => FeedbackChecks.Label(model, id, r));
    }

    private static T? Checked<T>(string key, RedisValue value, Func<T, string?> check) where T : class
    {
        if (!RedisJson.TryRead<T>(value, out var record, out var fault))
        {
            throw new FeedbackRecordException(new RecordFault(key, fault!));
        }
        if (record is not null && check(record) is { } problem)
        {
            throw new FeedbackRecordException(new RecordFault(key, problem));
        }
        return record;
    }
}
