"""The time every record is stamped with."""
from datetime import datetime, timezone


def now():
    """UTC, naive (BSON dates carry no zone; we read them back as UTC)."""
    # BSON dates keep milliseconds: truncate so what we hold equals what we read back.
    t = datetime.now(timezone.utc).replace(tzinfo=None)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)
