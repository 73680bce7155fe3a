"""Whether the database answers, as the web app needs to know it: the errors
that mean "unreachable", and a short breaker so that while it is down each
page answers at once instead of every request waiting out the driver's
server-selection timeout."""
import threading
import time

from pymongo.errors import ConnectionFailure

# ServerSelectionTimeoutError, AutoReconnect, NetworkTimeout and the pool's
# wait-queue timeout are all ConnectionFailures.
UNAVAILABLE = ConnectionFailure
BREAKER_SECONDS = 1.0

_lock = threading.Lock()
_down_until = [0.0]


class DatabaseUnavailable(ConnectionFailure):
    """Raised without asking the database while the breaker is open."""


def tripped(error=None):
    """Note that the database just failed to answer (the breaker's own
    refusal is not news: counting it would keep the breaker open forever)."""
    if isinstance(error, DatabaseUnavailable):
        return
    with _lock:
        _down_until[0] = time.monotonic() + BREAKER_SECONDS


def check():
    """Raise DatabaseUnavailable while the breaker is open. It closes by
    itself: the first request after BREAKER_SECONDS asks the database again,
    so the app recovers with nobody restarting it."""
    if time.monotonic() < _down_until[0]:
        raise DatabaseUnavailable("the database did not answer a moment ago")


def reset():
    with _lock:
        _down_until[0] = 0.0
