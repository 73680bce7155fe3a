"""Demo data: counts, valid NHS numbers, new shape vs legacy shape."""
from webapp import demo
from webapp.domain import codes, nhs_number


def test_generate_is_deterministic():
    a, b = demo.generate(patients=20, seed=7), demo.generate(patients=20, seed=7)
    strip = lambda d: [{k: v for k, v in x.items() if k != "_id"} for x in d]  # noqa: E731
    assert strip(a["treatments"]) == strip(b["treatments"])
    assert strip(a["patients"]) == strip(b["patients"])


def test_seed_demo_new_shape(runner, database):
    result = runner.invoke(args=["seed", "demo", "--patients", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert database.patients.count_documents({}) == 40
    data = demo.generate(patients=40, seed=3)
    assert database.episodes.count_documents({}) == len(data["episodes"])
    assert database.treatments.count_documents({}) == len(data["treatments"]) > 40
    assert database.tumours.count_documents({}) == len(data["tumours"]) >= len(data["episodes"])
    assert database.episodes.count_documents({"treatments": {"$exists": True}}) == 0
    assert database.episodes.count_documents({"tumours": {"$exists": True}}) == 0
    for p in database.patients.find({"nhs_number": {"$ne": None}}):
        assert p["nhs_number"].startswith("999") and nhs_number.is_valid(p["nhs_number"])
    # Every treatment points at a real episode and its patient.
    episodes = {str(e["_id"]): e["patient_id"] for e in database.episodes.find()}
    for t in database.treatments.find():
        assert episodes[t["episode_id"]] == t["patient_id"]
    # Variety the other features need.
    surgery = list(database.treatments.find({"treatment_type": "surgery"}))
    assert {t["surgical_access_type"] for t in surgery} == set(codes.SURGICAL_ACCESS_TYPE)
    assert {t["admission_type"] for t in surgery} == set(codes.SURGICAL_ADMISSION_TYPE)
    assert {"chemotherapy", "radiotherapy"} <= set(database.treatments.distinct("treatment_type"))
    assert database.tumours.count_documents({"icd10_code": {"$regex": "^C21"}}) > 0
    multi = database.tumours.aggregate(
        [{"$group": {"_id": "$episode_id", "n": {"$sum": 1}}}, {"$match": {"n": {"$gt": 1}}}]
    )
    assert len(list(multi)) > 0


def test_seed_demo_has_under_18s():
    data = demo.generate(patients=40, seed=3)
    dob = {p["mrn"]: p["date_of_birth"] for p in data["patients"]}
    ages = [(t["diagnosis_date"] - dob[t["patient_id"]]).days / 365.25 for t in data["tumours"]]
    assert any(a < 18 for a in ages) and any(a >= 18 for a in ages)


def test_seed_demo_has_deaths_with_their_source_some_within_90_days_of_an_operation():
    data = demo.generate(patients=200, seed=3)
    died = {p["mrn"]: p for p in data["patients"] if "date_of_death" in p}
    assert died and all(p["date_of_death_source"] in codes.DEATH_SOURCE for p in died.values())
    operated = {}
    for t in data["treatments"]:
        if t["treatment_type"] == "surgery" and t["patient_id"] in died:
            operated.setdefault(t["patient_id"], []).append(t["treatment_date"])
    # Each death after the patient's last treatment, and some soon enough for 90-day mortality.
    assert any(0 <= (died[mrn]["date_of_death"] - max(days)).days <= 90 for mrn, days in operated.items())
    assert all(p["date_of_death"] > t["treatment_date"] for t in data["treatments"]
               for p in [died.get(t["patient_id"])] if p)


def test_seed_demo_legacy_shape(runner, database):
    result = runner.invoke(args=["seed", "demo", "--patients", "40", "--seed", "3", "--legacy"])
    assert result.exit_code == 0, result.output
    data = demo.generate(patients=40, seed=3)
    assert database.treatments.count_documents({}) == 0
    assert database.tumours.count_documents({}) == 0
    embedded_treatments = sum(len(e["treatments"]) for e in database.episodes.find())
    embedded_tumours = sum(len(e["tumours"]) for e in database.episodes.find())
    assert embedded_treatments == len(data["treatments"])
    assert embedded_tumours == len(data["tumours"])
    item = database.episodes.find_one({"treatments.0": {"$exists": True}})["treatments"][0]
    assert "treatment_id" in item and "episode_id" not in item
