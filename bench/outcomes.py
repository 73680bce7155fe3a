"""Benchmark: every measure the outcomes dashboard shows (NBOCA measures for
the period and the one before, funnels, risk models, resections per month,
and the treatment counts) over N treatments, against the floor: one $group
count over the same treatments on the same server, in the same run.

    .venv/bin/python bench/outcomes.py [--treatments 100000]

Each patient has one primary tumour and three treatments (a major resection,
chemotherapy, radiotherapy), spread over two audit years, so the period
holds half of them and the previous period the other half. Uses
MONGODB_URI / MONGODB_DB when set, else starts the embedded server.

Before the result it prints the least reads any design of the dashboard
makes on this server, each in the cheapest form the server offers (counted
where a count will do, else whole documents: no projection, no grouping, no
join), so the ratio can be read against what the data alone costs: the
period's treatments for the treatments table, the major resections of both
periods, and the resected patients' tumours and patient records (here every
one: each patient has a resection).
Ends with one line:
RESULT treatments=N seconds=X floor_s=F floor_ratio=Q
"""
import argparse
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _server  # noqa: E402  (beside this script)
from pymongo import monitoring  # noqa: E402

from webapp import db  # noqa: E402
from webapp.domain import periods  # noqa: E402
from webapp.store import nboca  # noqa: E402

PERIOD = (date(2024, 4, 1), date(2025, 3, 31))
FIRST = datetime(2023, 4, 1)
PROVIDERS = ["RX1", "RTH", "RGT"]
CONSULTANTS = ["Mr A", "Ms B", "Mr C", "Ms D", "Mr E", "Ms F", "Mr G", "Ms H"]
SITES = ["C18.0", "C18.2", "C18.7", "C19", "C20", "C21.1"]
OPCS = {"C18.0": "H071", "C18.2": "H071", "C18.7": "H101", "C19": "H331", "C20": "H332", "C21.1": "H331"}


def build(database, treatments):
    db.init_indexes(database)
    patients = treatments // 3
    batch = {"patients": [], "tumours": [], "treatments": []}
    for i in range(patients):
        mrn, episode = f"BEN{i:07d}", f"{i:024x}"
        when = FIRST + timedelta(days=i % 730)
        site = SITES[i % len(SITES)]
        batch["patients"].append({"mrn": mrn, "date_of_birth": datetime(1940, 1, 1) + timedelta(days=(i * 7) % 20000),
                                  "sex": "12"[i % 2], **({"date_of_death": when + timedelta(days=30 + i % 400),
                                                          "date_of_death_source": "pds"} if i % 11 == 0 else {})})
        batch["tumours"].append({"tumour_id": f"TUM-B{i:07d}", "episode_id": episode, "patient_id": mrn,
                                 "tumour_type": "primary", "icd10_code": site,
                                 "tnm_staging": {"pathological": {"t": "34"[i % 2], "n": "01"[i % 3 == 0], "m": "0"}},
                                 "pathology": {"crm_status": ["clear", "involved", "unknown"][i % 3],
                                               "lymph_nodes_examined": 6 + i % 20}})
        common = {"episode_id": episode, "patient_id": mrn, "provider_organisation": PROVIDERS[i % 3]}
        batch["treatments"].append({
            **common, "treatment_id": f"TRT-B{i:07d}S", "treatment_type": "surgery", "treatment_date": when,
            "opcs4_primary": OPCS[site], "consultant_surgeon": CONSULTANTS[i % len(CONSULTANTS)],
            "surgical_access_type": "1245"[i % 4], "admission_type": "12"[i % 5 == 0], "asa_grade": "1234"[i % 4],
            "anastomosis": i % 4 != 0, "anastomotic_leak": i % 17 == 0, "return_to_theatre": "YNN9"[i % 4],
            "length_of_stay_days": 3 + i % 9, "readmission_30d": i % 10 == 0,
            "stoma": ["none", "ileostomy", "colostomy"][i % 3]})
        batch["treatments"].append({**common, "treatment_id": f"TRT-B{i:07d}C", "treatment_type": "chemotherapy",
                                    "treatment_date": when + timedelta(days=40), "response": "PR"})
        batch["treatments"].append({**common, "treatment_id": f"TRT-B{i:07d}R", "treatment_type": "radiotherapy",
                                    "treatment_date": when - timedelta(days=40)})
        if len(batch["treatments"]) >= 15_000 or i == patients - 1:
            for name, docs in batch.items():
                if docs:
                    database[name].insert_many(docs, ordered=False)
                docs.clear()
    return patients * 3


def floor(database):
    t0 = time.perf_counter()
    list(database.treatments.aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}]))
    return time.perf_counter() - t0


class ServerTime(monitoring.CommandListener):
    """Seconds the commands took, from sending each to its reply (getMores
    included): the rest of a run is the app's own work."""

    def __init__(self):
        self.seconds = 0.0

    def started(self, event):
        pass

    def succeeded(self, event):
        self.seconds += event.duration_micros / 1e6

    def failed(self, event):
        self.seconds += event.duration_micros / 1e6


SERVER = ServerTime()


def least_reads(database):
    """{read: seconds}: what the dashboard cannot do without, as plain reads."""
    previous_start, start, end = nboca.windows(*PERIOD)
    low, high = periods.bounds(previous_start, end)
    reads = {
        "the period's treatments, counted": lambda: database.treatments.aggregate([
            {"$match": {"treatment_date": {"$gte": periods.bounds(start, end)[0], "$lt": high}}},
            {"$group": {"_id": None, "n": {"$sum": 1}}}]),
        "the resections of both periods": lambda: database.treatments.find(
            {"treatment_type": "surgery", "treatment_date": {"$gte": low, "$lt": high}}),
        "their tumours": lambda: database.tumours.find(),
        "their patients": lambda: database.patients.find(),
    }
    seconds = {}
    for name, read in reads.items():
        t0 = time.perf_counter()
        list(read())
        seconds[name] = time.perf_counter() - t0
    return seconds


def dashboard():
    waited = SERVER.seconds
    t0 = time.perf_counter()
    # The whole Outcomes page: the treatments table comes with the report.
    report = nboca.report(*PERIOD, today=datetime(2026, 6, 1))
    return time.perf_counter() - t0, report, SERVER.seconds - waited


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--treatments", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved; the best is kept")
    args = ap.parse_args()
    monitoring.register(SERVER)  # before the client is made
    with _server.database("bench_outcomes") as (uri, name):
        database = db.configure(uri, name)
        t0 = time.perf_counter()
        n = build(database, args.treatments)
        print(f"built {n} treatments in {time.perf_counter() - t0:.1f} s")
        # Interleaved, so that a load that comes and goes weighs on both.
        floors, runs, reads = [], [], []
        for _ in range(args.repeat):
            floors.append(floor(database))
            runs.append(dashboard())
            reads.append(least_reads(database))
        floor_s = min(floors)
        seconds, report, server_s = min(runs, key=lambda r: r[0])
        for m in report["measures"]:
            c = m["current"]
            print(f"{m['measure'].label:<55} {c['events']:>6} of {c['n']:>6}")
        print(f"population: {report['population']['current']}")
        print(f"dashboard: {seconds:.2f} s, of which {server_s:.2f} s in its commands (server and reply)"
              f" and {seconds - server_s:.2f} s in the app")
        least = {name: min(r[name] for r in reads) for name in reads[0]}
        for name, sec in least.items():
            print(f"least read: {name:<35} {sec:6.2f} s  {sec / floor_s:4.2f} x floor")
        total = sum(least.values())
        print(f"least reads together: {total:.2f} s, {total / floor_s:.2f} x floor, before any grouping, join or rule")
        print(f"RESULT treatments={n} seconds={seconds:.2f} floor_s={floor_s:.2f} floor_ratio={seconds / floor_s:.2f}")


if __name__ == "__main__":
    main()
