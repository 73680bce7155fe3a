"""Benchmark: the NBOCA v10 export of N in-scope records (one tumour and
three treatments each), against the floor: the same queries reading the
same documents with no XML. Each size runs in its own process so its peak
memory (ru_maxrss) is its own.

    .venv/bin/python bench/export.py [--patients 10000]

Uses MONGODB_URI / MONGODB_DB when set, else starts the embedded server.
Ends with one line:
RESULT records=N seconds=X floor_s=F floor_ratio=Q records_per_s=Y peak_mb_1k=A peak_mb_10k=B
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _server  # noqa: E402  (beside this script)
from bson import ObjectId  # noqa: E402

from webapp import db  # noqa: E402
from webapp.domain import nhs_number  # noqa: E402

SMALL = 1000
YEAR = (date(2024, 1, 1), date(2024, 12, 31))
FIRST_MONTH = (date(2024, 1, 1), date(2024, 1, 31))
PROVIDERS = ["RX1", "RTH", "RGT"]
SITES = ["C18.0", "C18.2", "C18.7", "C19", "C20"]


def build(database, patients):
    """`patients` adults, each with one in-scope tumour and three treatments.
    The first SMALL are diagnosed in January, the rest later in the year, so
    one period selects 1,000 records and the whole year all of them."""
    db.init_indexes(database)
    numbers = nhs_number.test_range(0)
    batch = {"patients": [], "episodes": [], "tumours": [], "treatments": []}
    for i in range(patients):
        mrn = f"BEN{i:07d}"
        diagnosed = datetime(2024, 1, 1) + (timedelta(days=i % 31) if i < SMALL else timedelta(days=31 + i % 330))
        provider = PROVIDERS[i % 3]
        episode_id = ObjectId()
        batch["patients"].append({
            "mrn": mrn, "nhs_number": next(numbers), "nhs_number_status": "01", "first_name": "Ada",
            "last_name": f"Bench{i}", "date_of_birth": datetime(1950, 1, 1) + timedelta(days=i % 9000),
            "sex": "12"[i % 2], "ethnic_category": "A", "postcode": "NG7 2UH"})
        batch["episodes"].append({
            "_id": episode_id, "patient_id": mrn, "referral_date": diagnosed - timedelta(days=20),
            "referral_source": "03", "first_seen_date": diagnosed - timedelta(days=10), "mdt_date": diagnosed,
            "mdt_outcome": "surgery", "care_plan_intent": "C", "lead_clinician": "Mr A Surgeon",
            "provider_organisation": provider, "performance_status": "1", "status": "open"})
        batch["tumours"].append({
            "tumour_id": f"TUM-B{i:07d}", "episode_id": str(episode_id), "patient_id": mrn, "tumour_type": "primary",
            "icd10_code": SITES[i % len(SITES)], "snomed_morphology_code": "35917007", "diagnosis_date": diagnosed,
            "tnm_staging": {"tnm_version": "8", "clinical": {"t": "3", "n": "1a", "m": "0"},
                            "pathological": {"t": "3", "n": "1b", "m": "0"}},
            "pathology": {"grade": "G2", "lymph_nodes_examined": 14, "lymph_nodes_positive": 2, "crm_status": "clear"}})
        for k, kind in enumerate(("radiotherapy", "surgery", "chemotherapy")):
            when = diagnosed + timedelta(days=14 + 30 * k)
            t = {"treatment_id": f"TRT-B{i:07d}-{k}", "episode_id": str(episode_id), "patient_id": mrn,
                 "treatment_type": kind, "treatment_date": when, "treatment_intent": "01",
                 "provider_organisation": provider, "treatment_site": provider + "01",
                 "adjunctive_therapy": "2" if k == 0 else "3" if k == 1 else "1"}
            if kind == "surgery":
                t.update({"opcs4_primary": "H33.2", "opcs4_other": ["Y75.1"], "surgical_access_type": "5",
                          "admission_type": "1", "asa_grade": "2", "return_to_theatre": "N",
                          "ncepod_urgency": "elective", "discharge_date": when + timedelta(days=6),
                          "discharge_destination": "19"})
            batch["treatments"].append(t)
        if len(batch["patients"]) == 1000 or i == patients - 1:
            for name, docs in batch.items():
                database[name].insert_many(docs, ordered=False)
                docs.clear()


def child(uri, name, period, repeat):
    """Time the floor and the export for one period; report peak memory."""
    from webapp.export import service, source

    database = db.configure(uri, name)
    start, end = period
    floor = export_s = float("inf")
    records = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = 0
        for _bundle in source.bundles(start, end, database=database):
            n += 1
        floor = min(floor, time.perf_counter() - t0)

        t0 = time.perf_counter()
        export = service.prepare(service.Request("10", start, end), service.FixedClock(datetime(2026, 1, 1)),
                                 database=database)
        assert export.valid, export.message
        with open(os.devnull, "wb") as out:
            for piece in export.chunks():
                out.write(piece)
        export.close()
        export_s = min(export_s, time.perf_counter() - t0)
        records = export.exported
        assert records == n, (records, n)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": records, "seconds": export_s, "floor_s": floor, "peak_mb": peak_mb}))


def run_child(uri, name, period, repeat):
    out = subprocess.run([sys.executable, __file__, "--child", uri, name, period[0].isoformat(),
                          period[1].isoformat(), str(repeat)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        uri, name, start, end, repeat = sys.argv[2:7]
        child(uri, name, (date.fromisoformat(start), date.fromisoformat(end)), int(repeat))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=2, help="runs per size; the best is kept")
    args = ap.parse_args()

    with _server.database("bench_export") as (uri, name):
        database = db.configure(uri, name)
        t0 = time.perf_counter()
        build(database, args.patients)
        print(f"built {args.patients} patients, tumours and {3 * args.patients} treatments "
              f"in {time.perf_counter() - t0:.1f} s")
        small = run_child(uri, name, FIRST_MONTH, args.repeat)
        large = run_child(uri, name, YEAR, args.repeat)
        print(f"{'records':>8} {'export s':>9} {'floor s':>8} {'ratio':>6} {'records/s':>10} {'peak MB':>8}")
        for r in (small, large):
            print(f"{r['records']:>8} {r['seconds']:>9.2f} {r['floor_s']:>8.2f} {r['seconds'] / r['floor_s']:>6.2f} "
                  f"{r['records'] / r['seconds']:>10.0f} {r['peak_mb']:>8.1f}")
        print(f"peak memory growth from {small['records']} to {large['records']} records: "
              f"{large['peak_mb'] - small['peak_mb']:.1f} MB")
        print(f"RESULT records={large['records']} seconds={large['seconds']:.2f} floor_s={large['floor_s']:.2f} "
              f"floor_ratio={large['seconds'] / large['floor_s']:.2f} "
              f"records_per_s={large['records'] / large['seconds']:.0f} "
              f"peak_mb_1k={small['peak_mb']:.1f} peak_mb_10k={large['peak_mb']:.1f}")


if __name__ == "__main__":
    main()
