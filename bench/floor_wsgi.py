"""The floor for bench/pages.py: a bare WSGI handler making the same
database queries as the app's tumours and treatments fragments (the
signed-in user, the episode, its list through the same index) and returning
a fixed string. What the database and the HTTP layer cost by themselves."""
import os

import pymongo
from bson import ObjectId

from webapp import db  # the index keys only: the floor opens its own plain client

_db = None


def _database():
    global _db
    if _db is None:  # per worker process, after gunicorn forks
        client = pymongo.MongoClient(os.environ["MONGODB_URI"], tz_aware=False)
        _db = client[os.environ["MONGODB_DB"]]
    return _db


def app(environ, start_response):
    database = _database()
    database.users.find_one({"_id": ObjectId(os.environ["BENCH_USER_ID"])})
    episode = database.episodes.find_one({"_id": ObjectId(os.environ["BENCH_EPISODE_ID"])})
    key = {"episode_id": str(episode["_id"])}
    if environ["PATH_INFO"].endswith("/treatments"):
        list(database.treatments.find(key).sort(db.TREATMENTS_BY_EPISODE_DATE).hint(db.TREATMENTS_BY_EPISODE_DATE))
    else:
        list(database.tumours.find(key).sort(db.TUMOURS_BY_EPISODE).hint(db.TUMOURS_BY_EPISODE))
    body = b"ok"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
