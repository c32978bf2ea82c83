"""Reads h2load's --log-file: one line per request, tab-separated: start (µs since the epoch),
HTTP status, µs to the end of the answer; `mlops loadtest --log-file` writes the same first three
columns (with the gRPC status). Imported by perf/gateway-overhead.sh and perf/shadow_blocks.py."""


def latencies(*paths):
    """Every request's latency in µs from the given logs, ascending."""
    return sorted(int(line.split("\t")[2]) for path in paths for line in open(path) if line.strip())


def percentile(sorted_latencies, p):
    """The value at percent p of an ascending list (index p/100 x length, the last at most)."""
    return sorted_latencies[min(len(sorted_latencies) - 1, int(p / 100 * len(sorted_latencies)))]
