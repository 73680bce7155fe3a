"""Benchmark the migration (both steps) against what the same server can do.

Generates N legacy episodes in the shapes IMPACT wrote (tests/legacy: nested
and encrypted patients, E- ids, children in the collections keyed either way,
Era A episodes with embedded arrays, legacy vocabularies), or with
--shape demo this project's own old shape (3 treatments and 1 tumour embedded
in each episode), and measures, in one run on one server:
  (a) optimised: every pending step (`steps.run_pending`): embedded arrays to
      collections, then adopt with the profile;
  (b) naive: the first step per document (find each episode, insert each
      item, update the episode) on a sample;
  (c) floor: only the writes of (a), timed alone: the first step's documents
      and its episode records bulk-inserted and the arrays unset, then the
      adopt step's originals inserted and its documents replaced, batch by
      batch, with the planning and mapping done untimed. What (a) does
      beyond the floor: its reads, its checks (ids already present, the
      documents already in the collections), the before/after counts, the
      progress it saves, and the indexes the adopted data allows at the end.

    python bench/migration.py [--episodes 100000] [--sample 5000] [--batch-size 500] [--shape impact|demo]

Uses MONGODB_URI/MONGODB_DB when set (three databases named after
MONGODB_DB, dropped afterwards), else starts the embedded server. Ends with:
RESULT episodes=N optimised_s=X floor_s=F naive_episodes_per_s=Y optimised_episodes_per_s=Z ratio=R floor_ratio=Q
"""
import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bson import ObjectId  # noqa: E402
from pymongo import ReplaceOne  # noqa: E402

from tests.legacy import impact_shapes  # noqa: E402
from webapp import db, embedded  # noqa: E402
from webapp.domain import clock, legacy_crypto  # noqa: E402
from webapp.domain.records import KINDS  # noqa: E402
from webapp.migration import adopt, apply, profile, steps  # noqa: E402
from webapp.migration.plan import plan_episode  # noqa: E402
from webapp.migration.scan import Batches  # noqa: E402

T0 = datetime(2023, 1, 1)
TIMEOUT_MS = 60_000
TYPES = ["surgery", "chemotherapy", "radiotherapy"]


def legacy_episode(i, n_treatments, n_tumours, rng):
    eid = ObjectId(i.to_bytes(12, "big"))
    mrn = f"MRN9{i:07d}"
    when = T0 + timedelta(days=i % 900)
    treatments = [
        {
            "treatment_id": f"TRT-B{i:08d}{t}",
            "treatment_type": TYPES[t % 3],
            "treatment_date": when + timedelta(days=30 * t),
            "treatment_intent": "01",
            "provider_organisation": "RX1",
            "treatment_site": "RX1RA",
            "adjunctive_therapy": "3",
            "opcs4_primary": "H073",
            "asa_grade": rng.choice("1234"),
            "consultant_surgeon": "Mr A Surgeon",
            "length_of_stay_days": rng.randint(3, 21),
            "created_at": T0,
            "last_modified_at": T0,
            "version": 1,
        }
        for t in range(n_treatments)
    ]
    tumours = [
        {
            "tumour_id": f"TUM-B{i:08d}{t}",
            "tumour_type": "primary",
            "site": "Sigmoid colon",
            "icd10_code": "C18.7",
            "snomed_morphology_code": "8140/3",
            "tnm_staging": {"tnm_version": "8", "clinical": {"prefix": "c", "t": "3", "n": "1a", "m": "0"}},
            "pathology": {"grade": "G2", "lymph_nodes_examined": 14, "lymph_nodes_positive": 1},
            "diagnosis_date": when,
            "created_at": T0,
            "last_modified_at": T0,
            "version": 1,
        }
        for t in range(n_tumours)
    ]
    return {
        "_id": eid,
        "patient_id": mrn,
        "episode_type": "cancer",
        "referral_date": when,
        "referral_source": "03",
        "mdt_date": when + timedelta(days=14),
        "care_plan_intent": "C",
        "lead_clinician": "Mr A Surgeon",
        "provider_organisation": "RX1",
        "status": "open",
        "created_at": T0,
        "last_modified_at": T0,
        "version": 1,
        "treatments": treatments,
        "tumours": tumours,
    }


KEY = legacy_crypto.derive_key(b"bench-key-file-text-not-a-real-key==========", bytes(range(16)))


def fill(database, count, n_treatments, n_tumours, chunk=2000, built=None):
    if built is not None:
        for name in ("patients", "episodes", "tumours", "treatments"):
            for start in range(0, len(built[name]), chunk):
                database[name].insert_many(built[name][start:start + chunk], ordered=False)
        # `db init` first, as README says an operator does: the indexes its
        # data allows (IMPACT's ids repeat, so not every unique one), the same
        # on the run's database and the floor's.
        db.init_indexes(database)
        return
    db.init_indexes(database)
    rng = random.Random(7)
    for start in range(0, count, chunk):
        docs = [legacy_episode(i, n_treatments, n_tumours, rng) for i in range(start, min(count, start + chunk))]
        database.episodes.insert_many(docs, ordered=False)


def optimised(database, batch_size, profile_name):
    started = time.perf_counter()
    docs = steps.run_pending(batch_size=batch_size, owner="bench@optimised", database=database,
                             options={"profile_name": profile_name, "key": KEY})
    elapsed = time.perf_counter() - started
    for doc in docs:
        assert doc["state"] == "completed", doc["errors"][:5]
    assert database.episodes.count_documents({"treatments": {"$type": "array"}}) == 0
    return elapsed


def naive(database):
    """The seed's way: one episode at a time, one item at a time."""
    episodes = database.episodes
    started = time.perf_counter()
    for (eid,) in [(e["_id"],) for e in episodes.find({"treatments": {"$exists": True}}, {"_id": 1})]:
        episode = episodes.find_one({"_id": eid})
        for kind in KINDS:
            for item in episode.get(kind) or []:
                database[kind].insert_one({**item, "episode_id": str(eid), "patient_id": episode["patient_id"]})
        episodes.update_one({"_id": eid}, {"$unset": {kind: "" for kind in KINDS}})
    return time.perf_counter() - started


def floor(database, batch_size, profile_name):
    """Only the writes of (a), timed alone: the same documents (planned and
    mapped untimed), written unordered into the same indexed collections,
    batch by batch."""
    return floor_collections(database, batch_size) + floor_adopt(database, batch_size, profile_name)


def floor_collections(database, batch_size):
    episodes = database.episodes
    spent = 0.0
    now = clock.now()
    reader = Batches(episodes, {"$or": [{k: {"$exists": True}} for k in KINDS]}, batch_size)
    while True:
        batch = reader.next()
        if not batch:
            break
        reader.done(batch)
        plans = [plan_episode(e, now) for e in batch]
        docs = {kind: [d for p in plans for d in p.items[kind]] for kind in KINDS}
        # The step's own records (how to put each episode back, items set
        # aside) are writes it cannot do without, as the adopt step's kept
        # originals are below.
        docs[db.MIGRATION_QUARANTINE] = [q for p in plans for q in p.quarantine]
        docs[db.MIGRATION_EPISODES] = [p.record for p in plans]
        started = time.perf_counter()
        for name, written in docs.items():
            if written:
                database[name].insert_many(written, ordered=False)
        episodes.update_many({"_id": {"$in": [e["_id"] for e in batch]}}, {"$unset": {k: "" for k in KINDS}})
        spent += time.perf_counter() - started
    return spent


def floor_adopt(database, batch_size, profile_name):
    """The adopt step's writes: each changed document's original kept, then
    the document replaced."""
    adoption = adopt.Adoption(database, None, profile.load(profile_name), KEY, True, batch_size)
    adoption.learn_patients([])
    adoption.learn_repeated_ids()
    spent = 0.0
    for collection in adopt.COLLECTIONS:
        for batch, _ in adoption.batches(collection, []):
            mapped = [(doc, adoption.adopt_one(collection, doc, doc)) for doc in batch]
            changes = [(d, a) for d, a in mapped if a is not None and not adopt._same(a, d)]
            if not changes:
                continue
            started = time.perf_counter()
            database[db.MIGRATION_ADOPTED].insert_many(
                [{"_id": adopt._record_id(collection, d["_id"]), "collection": collection, "doc_id": d["_id"],
                  "original": d, "adopted": None} for d, _ in changes], ordered=False)
            database[collection].bulk_write([ReplaceOne({"_id": a["_id"]}, a) for _, a in changes], ordered=False)
            spent += time.perf_counter() - started
    return spent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000, help="episodes for the naive migration")
    parser.add_argument("--treatments", type=int, default=3)
    parser.add_argument("--tumours", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=apply.DEFAULT_BATCH)
    parser.add_argument("--shape", choices=("impact", "demo"), default="impact",
                        help="legacy data in IMPACT's shapes (adopted with the impact profile), or this project's own")
    parser.add_argument(
        "--storage",
        choices=("disk", "memory"),
        default="disk",
        help="embedded server storage: on disk with sync on commit, as the app runs it (default), or in memory",
    )
    args = parser.parse_args(argv)
    sample = min(args.sample, args.episodes)

    uri = os.environ.get("MONGODB_URI")
    base = os.environ.get("MONGODB_DB", "bench")
    proc = tmp = None
    if not uri:
        tmp = tempfile.TemporaryDirectory(prefix="bench-migration-")
        port = embedded.free_port()
        proc = embedded.start_server(":memory:" if args.storage == "memory" else str(Path(tmp.name) / "db"), port)
        uri = embedded.uri_for(port)
    names = {k: f"{base}_migration_{k}" for k in ("optimised", "naive", "floor")}
    # A long health-check timeout: the embedded server answers health checks
    # from the same core that does the writes (the migration retries a batch
    # whose connection was dropped anyway; a timeout here would only be noise).
    client = db.client_for(uri, timeout_ms=TIMEOUT_MS)
    try:
        for name in names.values():
            client.drop_database(name)
        dbs = {
            k: db.configure(uri, name, timeout_ms=TIMEOUT_MS)
            if k == "optimised"
            else db.database(uri, name, timeout_ms=TIMEOUT_MS)
            for k, name in names.items()
        }
        t = time.perf_counter()
        built = impact_shapes.build(episodes=args.episodes, seed=7, fernet_key=KEY) if args.shape == "impact" else None
        profile_name = "impact" if built is not None else "demo"
        fill(dbs["optimised"], args.episodes, args.treatments, args.tumours, built=built)
        fill(dbs["floor"], args.episodes, args.treatments, args.tumours, built=built)
        fill(dbs["naive"], sample, args.treatments, args.tumours)
        del built
        print(
            f"generated {args.episodes} + {args.episodes} + {sample} legacy episodes "
            f"({args.treatments} treatments, {args.tumours} tumour each) in {time.perf_counter() - t:.1f} s",
            flush=True,
        )

        optimised_s = optimised(dbs["optimised"], args.batch_size, profile_name)
        print(f"(a) optimised: {args.episodes} episodes in {optimised_s:.2f} s", flush=True)
        naive_s = naive(dbs["naive"])
        print(f"(b) naive:     {sample} episodes in {naive_s:.2f} s", flush=True)
        floor_s = floor(dbs["floor"], args.batch_size, profile_name)
        print(f"(c) floor:     {args.episodes} episodes in {floor_s:.2f} s (writes only)", flush=True)
        items = args.episodes * (args.treatments + args.tumours)
        naive_eps = sample / naive_s
        optimised_eps = args.episodes / optimised_s
        print()
        print(f"{'':12}{'episodes':>10}{'seconds':>10}{'episodes/s':>12}{'items/s':>10}")
        print(
            f"{'optimised':12}{args.episodes:>10}{optimised_s:>10.2f}{optimised_eps:>12.0f}{items / optimised_s:>10.0f}"
        )
        print(
            f"{'naive':12}{sample:>10}{naive_s:>10.2f}{naive_eps:>12.0f}"
            f"{sample * (args.treatments + args.tumours) / naive_s:>10.0f}"
        )
        print(
            f"{'floor':12}{args.episodes:>10}{floor_s:>10.2f}{args.episodes / floor_s:>12.0f}{items / floor_s:>10.0f}"
        )
        # No migration that writes these documents into these indexed collections
        # can go faster than the floor: this is the best ratio the server allows.
        print(f"ceiling: the floor is {(args.episodes / floor_s) / naive_eps:.2f}x the naive throughput on this server")
        print(
            f"RESULT episodes={args.episodes} optimised_s={optimised_s:.2f} floor_s={floor_s:.2f} "
            f"naive_episodes_per_s={naive_eps:.1f} optimised_episodes_per_s={optimised_eps:.1f} "
            f"ratio={optimised_eps / naive_eps:.2f} floor_ratio={optimised_s / floor_s:.2f}"
        )
    finally:
        # Our own server goes with its directory; dropping 100k-episode
        # databases on it would take minutes.
        if proc is None:
            try:
                for name in names.values():
                    client.drop_database(name)
            except Exception as exc:  # do not hide the error that got us here
                print(f"clean-up failed: {exc}", file=sys.stderr)
        if proc is not None:
            embedded.stop_pid(proc.pid)
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
