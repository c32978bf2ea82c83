using System.Diagnostics;

namespace MlopsGateway.Tests.Infrastructure;

/// <summary>
/// The finished spans an in-memory exporter hands over that <paramref name="keep"/> accepts (a test's
/// own trace: listeners are process-wide, so other tests' spans arrive too); the exporter adds from
/// the threads that end them.
/// </summary>
public sealed class SpanCollection(Func<Activity, bool> keep) : ICollection<Activity>
{
    private readonly Lock _gate = new();
    private readonly List<Activity> _spans = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public Activity[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _spans];
        }
    }

    public void Add(Activity item)
    {
        if (keep(item))
        {
            lock (_gate)
            {
                _spans.Add(item);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item) => Snapshot().Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    public bool Remove(Activity item)
    {
        lock (_gate)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
