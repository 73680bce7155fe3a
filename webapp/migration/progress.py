"""Progress of a run: items done of total, rate, time left."""
import time


class Progress:
    def __init__(self, episodes_total, items_total):
        self.episodes_total = episodes_total
        self.items_total = items_total
        self.episodes_done = 0
        self.items_done = 0
        self.started = time.monotonic()

    def advance(self, episodes, items):
        self.episodes_done += episodes
        self.items_done += items

    def as_dict(self):
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.items_done / elapsed if self.items_done else None
        left = max(self.items_total - self.items_done, 0)
        return {"episodes_total": self.episodes_total, "episodes_done": self.episodes_done,
                "items_total": self.items_total, "items_done": self.items_done,
                "rate_per_s": round(rate, 1) if rate else None,
                "seconds_left": round(left / rate, 1) if rate else None,
                "elapsed_s": round(elapsed, 2)}
