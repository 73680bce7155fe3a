"""Who looked at which patient's record, and when. Written on every view of
a record; never changed or removed by the app (there is no function here
that would). Admins read it through store/activity.py."""
from webapp import db
from webapp.domain import clock


def viewed(actor, patients, view, remote_addr=None):
    """Record that `actor` saw the records of `patients` (MRNs, or ids for a
    patient without one) through `view`. One entry per patient."""
    keys = sorted({str(p) for p in patients if p})
    if not keys:
        return
    now = clock.now()
    db.collection(db.ACCESS_LOG).insert_many(
        [{"at": now, "actor": actor, "patient": key, "view": view, "remote_addr": remote_addr} for key in keys],
        ordered=False)

