"""What the app measures: request latency per route, and every MongoDB
command's duration per collection and command (pymongo's command monitoring),
as Prometheus histograms (prometheus_client, pinned), plus the last hour's
observations kept in memory for the admins' "slowest" page.

Each process measures itself: under several gunicorn workers, set
PROMETHEUS_MULTIPROC_DIR as prometheus_client's documentation says, or scrape
each worker."""
import threading
import time
from collections import deque

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from pymongo import monitoring

REGISTRY = CollectorRegistry()
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
ROUTE_SECONDS = Histogram("http_request_duration_seconds", "Time to answer a request, by route template",
                          ["route", "method", "status"], buckets=BUCKETS, registry=REGISTRY)
COMMAND_SECONDS = Histogram("mongodb_command_duration_seconds", "MongoDB command round trip, by collection",
                            ["collection", "command", "outcome"], buckets=BUCKETS, registry=REGISTRY)
CONTENT_TYPE = CONTENT_TYPE_LATEST

HOUR = 3600
# Bounded: at most this many observations of each kind stay in memory.
_recent = {"route": deque(maxlen=200_000), "command": deque(maxlen=200_000)}
_recent_lock = threading.Lock()


def _remember(kind, name, seconds):
    with _recent_lock:
        _recent[kind].append((time.time(), name, seconds))


def observe_route(route, method, status, seconds):
    ROUTE_SECONDS.labels(route, method, str(status)).observe(seconds)
    _remember("route", f"{method} {route}", seconds)


# Commands whose first value is not a collection name.
_NOT_A_COLLECTION = {"ping", "hello", "ismaster", "isMaster", "buildInfo", "serverStatus", "endSessions",
                     "abortTransaction", "commitTransaction", "listCollections", "listDatabases", "dbStats"}


def collection_of(command_name, command):
    if command_name == "getMore":
        return str(command.get("collection", "-"))
    if command_name in _NOT_A_COLLECTION:
        return "-"
    value = command.get(command_name)
    return value if isinstance(value, str) else "-"


class CommandTimer(monitoring.CommandListener):
    """Times each command from pymongo's started/succeeded/failed events."""

    def __init__(self):
        self._started = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(event):
        return (event.connection_id, event.request_id)

    def started(self, event):
        with self._lock:
            self._started[self._key(event)] = collection_of(event.command_name, event.command)

    def _done(self, event, outcome):
        with self._lock:
            collection = self._started.pop(self._key(event), "-")
        seconds = event.duration_micros / 1e6
        COMMAND_SECONDS.labels(collection, event.command_name, outcome).observe(seconds)
        _remember("command", f"{event.command_name} {collection}", seconds)

    def succeeded(self, event):
        self._done(event, "ok")

    def failed(self, event):
        self._done(event, "failed")


_installed = []


def install():
    """Register the command listener once per process. pymongo applies a
    global listener to clients created after it, so this runs before the
    app's client is made."""
    if not _installed:
        monitoring.register(CommandTimer())
        _installed.append(True)


def exposition():
    return generate_latest(REGISTRY)


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def slowest(kind, within=HOUR, limit=15, now=None):
    """The names (route or command) of the last `within` seconds, slowest
    first by their 95th percentile: count, mean, p95 and max in ms."""
    since = (now or time.time()) - within
    with _recent_lock:
        rows = [(name, s) for at, name, s in _recent[kind] if at >= since]
    by_name = {}
    for name, seconds in rows:
        by_name.setdefault(name, []).append(seconds)
    out = [{"name": name, "count": len(v), "mean_ms": 1000 * sum(v) / len(v), "p95_ms": 1000 * _p95(v),
            "max_ms": 1000 * max(v)} for name, v in by_name.items()]
    return sorted(out, key=lambda r: r["p95_ms"], reverse=True)[:limit]
