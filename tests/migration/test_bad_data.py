"""Bad legacy data never disappears: each kind is migrated with a warning or
quarantined, listed in the report with its episode, accounted for by verify,
and given back exactly by rollback."""
from datetime import datetime

from bson import ObjectId

from tests.migration.conftest import as_bytes
from webapp.migration import apply, plan, rollback, verify

T0 = datetime(2024, 3, 1)


def treatment(tid, **extra):
    return {"treatment_id": tid, "treatment_type": "surgery", "treatment_date": T0, "treatment_intent": "01",
            "created_at": T0, "last_modified_at": T0, "version": 1, **extra}


def tumour(tid, **extra):
    return {"tumour_id": tid, "tumour_type": "primary", "site": "Sigmoid colon", "icd10_code": "C18.7",
            "diagnosis_date": T0, "created_at": T0, "last_modified_at": T0, "version": 1, **extra}


def episode(n, **arrays):
    doc = {"_id": ObjectId(f"{n:024x}"), "patient_id": f"MRN99{n:06d}", "episode_type": "cancer",
           "referral_date": T0, "status": "open", "created_at": T0, "last_modified_at": T0, "version": 1}
    doc.update(arrays)
    return doc


def bad_episodes():
    odd_order = episode(9)
    odd_order = {"_id": odd_order["_id"], "tumours": [tumour("TUM-ODD")], "patient_id": "MRN99000009",
                 "treatments": [treatment("TRT-ODD")], "status": "open"}
    no_mrn = episode(12, treatments=[treatment("TRT-NOMRN")], tumours=[])
    del no_mrn["patient_id"]
    return {
        "null_array": episode(1, treatments=None, tumours=[tumour("TUM-1")]),
        "absent_array": episode(2, treatments=[treatment("TRT-2")]),
        "not_an_array": episode(3, treatments="see paper notes", tumours={"tumour_id": "TUM-3"}),
        "not_an_object": episode(4, treatments=[treatment("TRT-4A"), "chemo x6", 42, None, ["a"],
                                                treatment("TRT-4B")], tumours=[]),
        "missing_id": episode(5, treatments=[{"treatment_type": "chemotherapy", "treatment_date": T0},
                                             treatment(None), treatment(""), treatment(17)], tumours=[]),
        "duplicate_id": episode(6, treatments=[treatment("TRT-DUP"), treatment("TRT-DUP", treatment_intent="02")],
                                tumours=[tumour("TUM-X")]),
        "duplicate_id_across": episode(7, treatments=[treatment("TRT-DUP")], tumours=[tumour("TUM-X")]),
        "unparseable_date": episode(8, treatments=[treatment("TRT-8", treatment_date="31/02/2023",
                                                             start_date="2023-05-01", end_date="2023-06-01T00:00:00Z")],
                                    tumours=[tumour("TUM-8", diagnosis_date="last spring")]),
        "arrays_not_last": odd_order,
        "unknown_fields": episode(10, treatments=[treatment("TRT-10", surgeon_nickname="Doc", old_code=7)],
                                  tumours=[]),
        "huge_array": episode(11, treatments=[treatment(f"TRT-H{i:04d}") for i in range(plan.HUGE_ARRAY + 1)],
                              tumours=[]),
        "no_patient_id": no_mrn,
        "parent_mismatch": episode(13, treatments=[treatment("TRT-13", episode_id="elsewhere", _id=5)], tumours=[]),
    }


def test_every_kind_of_bad_data_is_reported_and_nothing_is_lost(app, database, runner):
    cases = bad_episodes()
    database.episodes.insert_many(list(cases.values()))
    originals = list(database.episodes.find().sort("_id", 1))
    with app.app_context():
        dry = apply.run(dry_run=True, batch_size=4)
        report = apply.run(batch_size=4)
    assert report["state"] == "completed", report["errors"]
    assert dry["anomaly_counts"] == report["anomaly_counts"]
    by_code = {}
    for entry in report["anomalies"]:
        by_code.setdefault(entry["code"], set()).add(entry["episode_id"])
    for code in ("null_array", "absent_array", "not_an_array", "not_an_object", "missing_id", "duplicate_id",
                 "unparseable_date", "unknown_fields", "huge_array", "no_patient_id", "parent_mismatch"):
        assert str(cases[code]["_id"]) in by_code.get(code, set()), (code, by_code.get(code))
    # Duplicates across episodes too: the second holder was renamed.
    assert str(cases["duplicate_id_across"]["_id"]) in by_code["duplicate_id"]

    quarantined = {(q["episode_id"], q["kind"], q["index"]): q for q in database.migration_quarantine.find()}
    e3, e4 = str(cases["not_an_array"]["_id"]), str(cases["not_an_object"]["_id"])
    assert quarantined[(e3, "treatments", None)]["value"] == "see paper notes"
    assert quarantined[(e3, "tumours", None)]["reason"] == "not_an_array"
    assert [quarantined[(e4, "treatments", i)]["value"] for i in (1, 2, 3, 4)] == ["chemo x6", 42, None, ["a"]]
    assert report["counts"]["quarantined"] == 6

    # Every item is somewhere, exactly once, with ids unique.
    ids = [t["treatment_id"] for t in database.treatments.find()]
    assert len(ids) == len(set(ids))
    # episodes 2, 4, 5, 6, 7, 8, 9, 10, 11 (huge), 12, 13
    assert len(ids) == 1 + 2 + 4 + 2 + 1 + 1 + 1 + 1 + (plan.HUGE_ARRAY + 1) + 1 + 1
    generated = database.treatments.find_one({"episode_id": str(cases["missing_id"]["_id"]),
                                              "migration.legacy_index": 0})
    assert generated["treatment_id"].startswith("TRT-MIG-")
    dated = database.treatments.find_one({"treatment_id": "TRT-8"})
    assert dated["start_date"] == datetime(2023, 5, 1) and dated["end_date"] == datetime(2023, 6, 1)
    assert dated["treatment_date"] is None  # unreadable: null, the original kept for the way back
    assert database.treatments.find_one({"treatment_id": "TRT-NOMRN"})["patient_id"] is None
    assert database.treatments.find_one({"treatment_id": "TRT-10"})["surgeon_nickname"] == "Doc"

    with app.app_context():
        assert verify.verify() == ("forward", [])
    result = runner.invoke(args=["migration", "verify"])
    assert result.exit_code == 0, result.output

    # Rerunning finds the same names (deterministic), and changes nothing.
    with app.app_context():
        again = apply.run()
    assert again["counts"]["episodes"] == 0

    with app.app_context():
        back = rollback.rollback(batch_size=5)
        assert back["state"] == "completed", back["errors"]
        assert verify.verify() == ("reverse", [])
    assert as_bytes(database.episodes.find().sort("_id", 1)) == as_bytes(originals)
    assert database.migration_quarantine.count_documents({}) == 0


def test_quarantined_item_that_goes_missing_is_named_by_verify(app, database):
    database.episodes.insert_one(episode(20, treatments=["free text", treatment("TRT-20")], tumours=[]))
    with app.app_context():
        apply.run()
        database.migration_quarantine.delete_many({})
        _, differences = verify.verify()
    assert differences == [f"treatments[0] of episode {ObjectId(f'{20:024x}')} is in neither the treatments "
                           "collection nor quarantine: lost"]


def test_item_added_since_to_a_non_array_stays_in_its_collection_on_rollback(app, database):
    original = episode(21, treatments="see paper notes", tumours=[])
    database.episodes.insert_one(original)
    with app.app_context():
        apply.run()
        database.treatments.insert_one(dict(treatment("TRT-LATER"), episode_id=str(original["_id"]),
                                            patient_id=original["patient_id"]))
        report = rollback.rollback()
    assert any("cannot join it: left in the collection" in e["message"] for e in report["errors"])
    assert database.episodes.find_one({"_id": original["_id"]})["treatments"] == "see paper notes"
    assert database.treatments.find_one({"treatment_id": "TRT-LATER"}) is not None  # not lost
