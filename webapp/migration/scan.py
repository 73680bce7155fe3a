"""Batches of documents in _id order from one cursor walking the _id index.

One pass over the collection however many batches: a fresh range query per
batch (`_id > last`, sorted, limited) is a collection scan and a sort each
time on some servers (the embedded one plans it so), which made a run
quadratic in the number of episodes. After a lost connection, `reopen`
continues after the last batch that was done.
"""
import time

from pymongo.errors import AutoReconnect

# Episodes per batch: the default, and what the CLI and the dashboard accept.
DEFAULT_BATCH = 500
MAX_BATCH = 100_000


class Batches:
    def __init__(self, coll, query, size):
        self.coll = coll
        self.query = query
        self.size = size
        self.last_id = None  # of the last batch done
        self._cursor = None

    def next(self):
        if self._cursor is None:
            query = self.query if self.last_id is None else {"_id": {"$gt": self.last_id}, **self.query}
            self._cursor = self.coll.find(query).sort("_id", 1).hint([("_id", 1)]).batch_size(self.size)
        out = []
        for doc in self._cursor:
            out.append(doc)
            if len(out) == self.size:
                break
        return out

    def done(self, batch):
        if batch:
            self.last_id = batch[-1]["_id"]

    def reopen(self):
        if self._cursor is not None:
            try:
                self._cursor.close()
            except Exception:  # the connection is gone already: nothing to close
                pass
        self._cursor = None

    def close(self):
        self.reopen()


RETRIES = 5


def with_retries(work, warnings, reader=None):
    """A batch is idempotent, so a lost connection (a busy server failing a
    health check cancels operations in flight) is met by doing it again
    (reopening `reader`, the cursor it reads from, if it reads)."""
    for attempt in range(RETRIES):
        try:
            return work()
        except AutoReconnect as exc:
            if attempt == RETRIES - 1:
                raise
            warnings.append(f"lost the database connection ({exc}); batch retried")
            if reader is not None:
                reader.reopen()
            time.sleep(min(2 ** attempt, 10) / 4)
