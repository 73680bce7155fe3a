"""One batch's writes in a thread of their own, so the next batch is read
and planned (or mapped) while the server writes this one. One batch ahead
at most: memory stays bounded, and a kill loses no more than the work a
rerun redoes anyway (a batch is idempotent, and each step saves its
progress only once a batch is written)."""
import queue
import threading


class Writer:
    """`with Writer(write) as writer: writer.put(job)`: write(job) runs in
    order in the thread. The first failure stops the writes; it is raised
    by the next put, or on leaving the block."""

    def __init__(self, write, name="migration-writer"):
        self.write = write
        self.queue = queue.Queue(maxsize=1)
        self.failure = None
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def put(self, job):
        if self.failure is not None:
            raise self.failure
        self.queue.put(job)

    def _run(self):
        while (job := self.queue.get()) is not None:
            if self.failure is not None:
                continue  # drain: the caller stops at its next put
            try:
                self.write(job)
            except BaseException as exc:  # handed to the caller, who raises it
                self.failure = exc

    def __exit__(self, *exc):
        self.queue.put(None)
        self.thread.join()
        if self.failure is not None and exc[0] is None:
            raise self.failure
