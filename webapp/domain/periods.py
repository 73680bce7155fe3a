"""Reporting periods are whole days, both ends included; stored dates are
datetimes, so a period is queried as a half-open datetime range. Pure."""
from datetime import datetime, time, timedelta


def bounds(start, end):
    """Datetimes [from, to) covering the dates `start`..`end` inclusive."""
    return datetime.combine(start, time()), datetime.combine(end + timedelta(days=1), time())
