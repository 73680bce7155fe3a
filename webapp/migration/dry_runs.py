"""Where a dry run's run document lives: outside the database, which a dry
run leaves byte-identical (not even a record of itself in `migrations`).
report.py sends a dry run's writes and reads here, so its callers keep
calling report.* whatever the operation.

The process doing the run holds its document in memory (and reads it from
there). When the run has a VAR_DIR the document is also a file,
VAR_DIR/dry-runs/<database>/<run id>.json, rewritten whole at every save
(tmp + replace, so a reader sees one save or the next, never half of one):
the dashboard in another worker process on this host follows its progress,
lists it and offers its report from that file. Runs are kept per database:
another database's dry runs are not this one's history.

What is kept reads back exactly as the database would give it: the document
goes through BSON (dates to the millisecond, tuples as lists) and the file is
canonical extended JSON (dates stay datetimes, ids stay ObjectIds, an int an
int), so the history sorts and the pages show a dry run like any other run.
"""
import copy
import threading
from collections import OrderedDict
from pathlib import Path

import bson
from bson import json_util
from bson.errors import BSONError
from bson.json_util import JSONMode, JSONOptions

# At most this many dry runs are kept, per database on disk and per process
# in memory: nothing else ever removes them (a dry run has no rollback and is
# never resumed), the dashboard's history shows only the newest 50 runs, and
# each dry run's whole report stays in VAR_DIR/reports anyway. More would
# only cost disk, memory, and the time to read the folder at every poll.
KEEP = 50
FOLDER = "dry-runs"
_JSON = JSONOptions(json_mode=JSONMode.CANONICAL, tz_aware=False)

_lock = threading.Lock()
_held = OrderedDict()  # run id -> _Run, oldest first
_files = {}  # path -> (which file, document): an ended run's file never changes, so it is parsed once


class _Run:
    def __init__(self, database_name, folder, doc):
        self.database_name, self.folder, self.doc = database_name, folder, doc

    def path(self):
        return self.folder / f"{self.doc['_id']}.json" if self.folder else None


def _as_stored(doc):
    return bson.decode(bson.encode(doc))


def _folder(var_dir, database_name):
    return Path(var_dir) / FOLDER / database_name if var_dir else None


def create(doc, database_name, var_dir=None):
    """Keep a new dry run's document (its `_id` set); returns the id."""
    run = _Run(database_name, _folder(var_dir, database_name), _as_stored(doc))
    with _lock:
        _held[run.doc["_id"]] = run
        _write(run)
        _forget_ended()
    if run.folder:
        _prune(run.folder)
    return run.doc["_id"]


def holds(run_id):
    """Whether `run_id` is a dry run of this process (its writes come here)."""
    return run_id in _held


def update(run_id, fields):
    """As `$set`: these fields take these values; the file is rewritten."""
    ends = fields.get("finished_at") is not None
    with _lock:
        run = _held[run_id]
        run.doc.update(_as_stored(fields))
        _write(run)
        if ends:
            _forget_ended()
    if run.folder and ends:
        # Again when one ends: a live run's save writes back a file pruned meanwhile.
        _prune(run.folder)


def held(run_id):
    """A copy of this process's dry run `run_id`, or None."""
    with _lock:
        run = _held.get(run_id)
        return copy.deepcopy(run.doc) if run else None


def get(run_id, database_name, var_dir=None):
    """The dry run `run_id` of that database (this process's, else another's
    file), or None."""
    with _lock:
        run = _held.get(run_id)
        if run is not None and run.database_name == database_name:
            return copy.deepcopy(run.doc)
    folder = _folder(var_dir, database_name)
    doc = _parsed(folder / f"{run_id}.json") if folder else None
    return copy.deepcopy(doc) if doc is not None else None


def listing(database_name, var_dir=None):
    """Every dry run kept for that database, without its anomalies (as the
    history reads the database's runs), in no particular order."""
    with _lock:
        found = {run_id: _summary(run.doc) for run_id, run in _held.items() if run.database_name == database_name}
    folder = _folder(var_dir, database_name)
    for path in sorted(folder.glob("*.json")) if folder and folder.is_dir() else ():
        doc = _parsed(path)
        if doc is not None and doc.get("_id") not in found:
            found[doc.get("_id")] = _summary(doc)
    return list(found.values())


def _summary(doc):
    return copy.deepcopy({k: v for k, v in doc.items() if k != "anomalies"})


def _write(run):
    path = run.path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json_util.dumps(run.doc, json_options=_JSON))
    tmp.replace(path)


def _parsed(path):
    """The document a file holds (the cached one: not to be changed), or
    None when there is none (pruned, never written) or it is not one (a
    hand-edited file must not break the page)."""
    try:
        stat = path.stat()
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # each save is a new file
        cached = _files.get(path)
        if cached is None or cached[0] != key:
            doc = json_util.loads(path.read_text(), json_options=_JSON)
            if not isinstance(doc, dict):
                return None
            if len(_files) >= 4 * KEEP:
                _files.clear()  # files of databases long gone (a test run makes many)
            cached = _files[path] = (key, doc)
    except (OSError, ValueError, TypeError, BSONError):
        return None
    return cached[1]


def _forget_ended():
    """Over KEEP in memory: drop the oldest that have ended (a live run's
    writes must still find it here, never fall through to the database)."""
    ended = [run_id for run_id, run in _held.items() if run.doc.get("finished_at") is not None]
    for run_id in ended[:max(0, len(_held) - KEEP)]:
        del _held[run_id]


def _prune(folder):
    # Ids are ObjectIds, which begin with their creation time: by name is oldest first.
    paths = sorted(folder.glob("*.json"))
    for path in paths[:max(0, len(paths) - KEEP)]:
        path.unlink(missing_ok=True)
        _files.pop(path, None)
