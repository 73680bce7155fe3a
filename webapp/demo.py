"""Synthetic demo data: realistic colorectal patients, episodes, tumours and
treatments. Deterministic for a given seed; NHS numbers come from the 999
test range and pass Modulus 11. No real person is in here.

`generate()` is pure (documents in memory); `write()` puts them in the
database, in the separate collections or, with legacy=True, in the old shape
(treatments[] and tumours[] embedded in each episode) for the migration.
"""
import random
from datetime import datetime, timedelta

from bson import ObjectId

from webapp import db
from webapp.domain import codes, nhs_number, records, surveillance
from webapp.domain.treatments import markings

FIRST_NAMES = ["Alice", "Bashir", "Chloe", "Dafydd", "Eilidh", "Farah", "George", "Hannah", "Imran", "Joan",
               "Kwame", "Lucy", "Mohammed", "Niamh", "Oluwaseun", "Priya", "Quentin", "Rhian", "Siobhan", "Tomasz",
               "Uma", "Victor", "Wen", "Yusuf", "Zofia", "Zoë", "Seán", "Ngozi"]
LAST_NAMES = ["Adeyemi", "Brown", "Chowdhury", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
              "Kowalski", "Lewis", "Murphy", "Nguyen", "O'Neill", "Patel", "Quinn", "Roberts", "Singh", "Taylor",
              "Williams", "Wright", "Young", "Zhang"]
PROVIDERS = ["RX1", "RTH", "RGT"]  # synthetic-looking 3-character trust codes
SITE_CODES = {"RX1": "RX1RA", "RTH": "RTH08", "RGT": "RGT01"}
CLINICIANS = ["Mr A Surgeon", "Ms B Cutter", "Dr C Oncologist", "Mr D Resector"]
POSTCODE_AREAS = ["NG7", "LS1", "M13", "B15", "CB2", "OX3", "S10", "NE1"]
ACCESS_TYPES = list(codes.SURGICAL_ACCESS_TYPE)
ADMISSION_TYPES = list(codes.SURGICAL_ADMISSION_TYPE)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's inward part may use
CHEMO_REGIMENS = ["CAPOX", "FOLFOX", "Capecitabine", "FOLFIRI", "FOLFOXIRI"]
OPCS_BY_SITE = {"C18.0": "H071", "C18.2": "H071", "C18.3": "H072", "C18.4": "H073", "C18.5": "H081",
                "C18.6": "H091", "C18.7": "H101", "C18.9": "H073", "C19": "H331", "C20": "H332",
                "C18.1": "H071", "C18.8": "H073", "C21.1": "H331"}

def _day(d):
    return datetime(d.year, d.month, d.day)


def _object_id(rng):
    return ObjectId(rng.getrandbits(96).to_bytes(12, "big"))


def _treatment_id(rng):
    return records.new_id("treatments", rng)


def _tumour_id(rng):
    return records.new_id("tumours", rng)


# The treatment plans an episode may follow, drawn one per episode.
PLANS = [["surgery"], ["surgery", "chemotherapy"], ["radiotherapy", "surgery"], ["chemotherapy"],
         ["surgery", "chemotherapy", "immunotherapy"], ["endoscopic"], ["palliative"]]
NOW = datetime(2026, 1, 1)  # the demo's "created" stamp, fixed so data are the same for a seed


def generate(patients=50, seed=1, start=datetime(2023, 1, 1), days=900):
    """Return {"patients": [...], "episodes": [...], "tumours": [...], "treatments": [...]}.
    Tumours and treatments carry `episode_id` (ObjectId string) and `patient_id` (MRN).
    The same seed gives the same data (one generator, drawn in a fixed order)."""
    rng = random.Random(seed)
    # Response to treatment has a generator of its own, so adding it left
    # every value drawn before it as it was.
    responses_rng = random.Random(f"responses-{seed}")
    numbers = nhs_number.test_range(seed * 1000)
    out = {"patients": [], "episodes": [], "tumours": [], "treatments": [], RESPONSES: []}
    surgeries = [0]  # surgeries so far: cycles through every access and admission type
    for i in range(patients):
        patient = _patient(rng, numbers, seed, i, start)
        out["patients"].append(patient)
        first, first_tumour = len(out["treatments"]), len(out["tumours"])
        for e in range(1 if i % 5 else 2):
            _episode(rng, out, i, e, patient["mrn"], start, days, surgeries)
        for tumour in out["tumours"][first_tumour:]:
            _response(responses_rng, out, tumour, first)
        _death(patient, i, out["treatments"][first:])
    out["follow_ups"] = follow_ups(out)
    return out


def follow_ups(data):
    """The planned tests of every curative resection (derived, not drawn, so
    every other value stays as it was): most of those due before NOW done,
    with a result; some not done; some left planned, so overdue; those due
    after a patient's death not done, the patient having died."""
    died = {p["mrn"]: p.get("date_of_death") for p in data["patients"]}
    out = []
    for t in data["treatments"]:
        for key, fields in sorted((surveillance.plan(t) or {}).items()):
            event = surveillance.new_event(t, key, fields, NOW)
            _outcome(event, len(out) * 7 // 3, died.get(t["patient_id"]))
            out.append(event)
    return out


def _outcome(event, n, died):
    done = event["due_date"] + timedelta(days=n * 7 % 20)
    if died is not None and event["due_date"] > died:
        event.update(status="not_done", not_done_reason="died")
    elif done > NOW or n % 5 == 2:
        return  # still to come, or overdue
    elif n % 11 == 5:
        event.update(status="not_done", not_done_reason="dna")
    else:
        event.update(status="done", done_date=done)
        if event["kind"] == "cea":
            event["cea_ng_ml"] = round(1.0 + n % 40 / 10, 1)
        else:
            findings = list(surveillance.findings_for(event["kind"]))
            event["finding"] = findings[0] if n % 9 else findings[n % len(findings)]


def _death(patient, i, treatments):
    """Derived, not drawn (added after the patient's draws, so every other
    value stays as it was): every 9th patient has died, 20-300 days after
    their last treatment, as the NHS Spine reports it; some within 90 days
    of an operation, for the 90-day mortality."""
    dates = [t["treatment_date"] for t in treatments]
    if i % 9 != 4 or not dates:
        return
    died = max(dates) + timedelta(days=20 + (i * 37) % 280)
    if died < NOW:
        patient["date_of_death"] = died
        patient["date_of_death_source"] = "pds"


def _patient(rng, numbers, seed, i, start):
    # Every 12th patient is under 18 at diagnosis: out of the audit's scope.
    age = rng.randint(10, 17) if i % 12 == 11 else rng.randint(35, 92)
    dob = _day(start - timedelta(days=age * 365 + rng.randint(0, 364)))
    return {
        "_id": _object_id(rng),
        "mrn": f"MRN{seed:02d}{i:06d}",
        "nhs_number": next(numbers) if i % 20 != 19 else None,  # a few not yet traced
        "nhs_number_status": "01" if i % 20 != 19 else "03",
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "date_of_birth": dob,
        "sex": rng.choice(["1", "2"]),
        "ethnic_category": rng.choice(list(codes.ETHNIC_CATEGORY)),
        "postcode": f"{rng.choice(POSTCODE_AREAS)} {rng.randint(1, 9)}"
        f"{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}",
        "created_at": NOW,
        "last_modified_at": NOW,
        "version": 1,
    }


def _episode(rng, out, i, e, mrn, start, days, surgeries):
    provider = rng.choice(PROVIDERS)
    referral = _day(start + timedelta(days=rng.randint(0, days)))
    first_seen = referral + timedelta(days=rng.randint(3, 14))
    mdt = first_seen + timedelta(days=rng.randint(5, 21))
    episode_id = _object_id(rng)
    closed = rng.random() < 0.3
    out["episodes"].append({
        "_id": episode_id,
        "patient_id": mrn,
        "episode_type": "cancer",
        "referral_date": referral,
        "referral_source": rng.choice(list(codes.REFERRAL_SOURCE)),
        "first_seen_date": first_seen,
        "mdt_date": mdt,
        "mdt_outcome": rng.choice(["surgery", "neoadjuvant", "chemotherapy", "surveillance"]),
        "care_plan_intent": rng.choice(["C", "C", "C", "Z"]),
        "lead_clinician": rng.choice(CLINICIANS),
        "provider_organisation": provider,
        "performance_status": rng.choice(["0", "1", "1", "2", "3"]),
        "status": "closed" if closed else "open",
        "created_at": NOW,
        "last_modified_at": NOW,
        "version": 1,
    })
    # Every 9th episode is anal cancer (C21): recorded, not in NBOCA's scope.
    primary_site = "C21.1" if (i + e) % 9 == 8 else rng.choice(list(codes.COLORECTAL_SITES))
    n_tumours = 2 if i % 7 == 3 else 1  # some episodes have several tumours
    diag = mdt - timedelta(days=rng.randint(0, 4))
    out["tumours"].append(_tumour(rng, episode_id, mrn, primary_site, diag, "primary"))
    if n_tumours == 2:
        out["tumours"].append(_tumour(rng, episode_id, mrn, primary_site, diag + timedelta(days=10), "metastasis"))
    when = mdt + timedelta(days=rng.randint(7, 28))
    plan = rng.choice(PLANS)
    # Make sure every access type and admission type code appears.
    if i < len(ACCESS_TYPES) and "surgery" not in plan:
        plan = ["surgery"] + plan
    for kind in plan:
        n = surgeries[0]
        out["treatments"].append(_treatment(rng, kind, episode_id, mrn, provider, when, primary_site,
                                            ACCESS_TYPES[n % len(ACCESS_TYPES)],
                                            ADMISSION_TYPES[n % len(ADMISSION_TYPES)]))
        if kind == "surgery":
            surgeries[0] += 1
        when += timedelta(days=rng.randint(21, 90))


def _tumour(rng, episode_id, mrn, site, diagnosis_date, tumour_type):
    examined = rng.randint(8, 30)
    positive = rng.randint(0, min(examined, 6))
    t = rng.choice(["2", "3", "3", "4a"])
    n = "0" if positive == 0 else ("1a" if positive == 1 else "1b" if positive <= 3 else "2a")
    m = "1a" if tumour_type == "metastasis" else rng.choice(["0", "0", "0", "1a"])
    return {
        "tumour_id": _tumour_id(rng),
        "episode_id": str(episode_id),
        "patient_id": mrn,
        "tumour_type": tumour_type,
        "site": codes.ICD10_SITES[site] if tumour_type == "primary" else "Liver",
        "icd10_code": site,
        "snomed_morphology_code": rng.choice(list(codes.SNOMED_MORPHOLOGY)[:3]),
        "tnm_staging": {
            "tnm_version": "8",
            "clinical": {"prefix": "c", "t": t, "n": n, "m": m},
            "pathological": {"prefix": rng.choice(["p", "yp"]), "t": t, "n": n, "m": m},
        },
        "pathology": {
            "grade": rng.choice(["G1", "G2", "G2", "G3"]),
            "lymph_nodes_examined": examined,
            "lymph_nodes_positive": positive,
            "crm_status": rng.choice(["clear", "clear", "involved", "not_applicable"]),
            "crm_distance_mm": round(rng.uniform(0.2, 15), 1),
            "emvi": rng.choice(["present", "absent"]),
            "regression_grade": None,  # derived (_response), for rectal cancer after neo-adjuvant therapy
        },
        "diagnosis_date": diagnosis_date,
        "created_at": datetime(2026, 1, 1),
        "last_modified_at": datetime(2026, 1, 1),
        "version": 1,
    }


def _treatment(rng, kind, episode_id, mrn, provider, when, site, access_type, admission_type):
    doc = {
        "treatment_id": _treatment_id(rng),
        "episode_id": str(episode_id),
        "patient_id": mrn,
        "treatment_type": kind,
        "treatment_date": when,
        "treatment_intent": "02" if kind == "palliative" else rng.choice(["01", "01", "02"]),
        "provider_organisation": provider,
        "treatment_site": SITE_CODES[provider],
        "created_at": datetime(2026, 1, 1),
        "last_modified_at": datetime(2026, 1, 1),
        "version": 1,
    }
    TYPE_FIELDS.get(kind, _other)(rng, doc, when, site, access_type, admission_type)
    return doc


def _surgery(rng, doc, when, site, access_type, admission_type):
    complications = rng.random() < 0.25
    leak = complications and rng.random() < 0.4
    doc.update(
        {
            "adjunctive_therapy": "3",
            "opcs4_primary": OPCS_BY_SITE.get(site, "H073"),
            "opcs4_other": ["Y751"] if access_type in ("4", "5") else [],
            "surgical_access_type": access_type,
            "admission_type": admission_type,
            "ncepod_urgency": "emergency" if admission_type == "2" else rng.choice(["elective", "expedited"]),
            "asa_grade": rng.choice(["1", "2", "2", "3", "4"]),
            "consultant_surgeon": rng.choice(CLINICIANS[:2] + CLINICIANS[3:]),
            "anastomosis": rng.random() < 0.8,
            "stoma": rng.choice(["none", "none", "ileostomy", "colostomy"]),
            "complications": complications,
            "clavien_dindo_grade": rng.choice(["I", "II", "IIIa", "IIIb"]) if complications else None,
            "anastomotic_leak": leak,
            "anastomotic_leak_grade": rng.choice(["A", "B", "C"]) if leak else None,
            "return_to_theatre": "Y" if leak else "N",
            "length_of_stay_days": rng.randint(3, 21),
            "readmission_30d": rng.random() < 0.1,
        }
    )
    # Derived, not drawn: adding them leaves every random draw (and so the
    # rest of the demo data) unchanged.
    doc["discharge_date"] = when + timedelta(days=doc["length_of_stay_days"])
    doc["discharge_destination"] = "19"


def _chemotherapy(rng, doc, when, *_):
    cycles = rng.randint(4, 12)
    doc.update(
        {
            "adjunctive_therapy": rng.choice(["1", "2"]),
            "regimen": rng.choice(CHEMO_REGIMENS),
            "cycles": cycles,
            "start_date": when,
            "end_date": when + timedelta(days=cycles * 14),
            "chemo_timing": rng.choice(list(codes.CHEMO_TIMING)),
        }
    )
    # Derived, not drawn (so every other value stays as it was): CR6540
    # agrees with the timing (its own draw above is kept only so later
    # draws do not move), and the response is assessed four weeks after
    # the last cycle.
    doc["adjunctive_therapy"] = {"neoadjuvant": "2", "adjuvant": "1"}.get(doc["chemo_timing"], "3")
    doc["response"] = "PR" if cycles >= 8 else "SD"
    doc["response_date"] = doc["end_date"] + timedelta(days=28)


def _radiotherapy(rng, doc, when, *_):
    short = rng.random() < 0.5
    doc.update(
        {
            "adjunctive_therapy": "2",
            "total_dose_gy": 25.0 if short else 45.0,
            "fractions": 5 if short else 25,
            "start_date": when,
            "end_date": when + timedelta(days=5 if short else 35),
            "radiotherapy_course": "short" if short else "long",
        }
    )
    doc["response"] = doc["response_date"] = None  # not assessed yet


def _other(rng, doc, *_):
    doc["adjunctive_therapy"] = "9"


TYPE_FIELDS = {"surgery": _surgery, "chemotherapy": _chemotherapy, "radiotherapy": _radiotherapy}


# --- Response to treatment: rectal cancer after neo-adjuvant therapy ---------

RESPONSES = records.RESPONSES
RECTAL = ("C20", "C19")  # rectosigmoid cancers are often treated as rectal ones
CRT_DAYS = 35  # long-course chemoradiotherapy, 45 Gy in 25 fractions over five weeks
# What the response assessments before the operation found, by the
# specimen's regression grade (AJCC/CAP TRG): MRI, CT and endoscopy agree
# with the pathology more or less, as they do.
MR_TRG_BY_TRG = {"0": ("mrTRG1", "mrTRG2"), "1": ("mrTRG2",), "2": ("mrTRG3",), "3": ("mrTRG4", "mrTRG5")}
RECIST_BY_TRG = {"0": ("PR",), "1": ("PR",), "2": ("PR", "SD"), "3": ("SD",)}
CLINICAL_BY_TRG = {"0": ("clinical_near_complete",), "1": ("clinical_incomplete", "clinical_near_complete"),
                   "2": ("clinical_incomplete",), "3": ("clinical_incomplete",)}
ASSESSED = [("mri", "mrtrg", MR_TRG_BY_TRG), ("ct", "recist", RECIST_BY_TRG),
            ("endoscopy", "clinical", CLINICAL_BY_TRG)]


def _response(rng, out, tumour, first):
    """A resected rectal (or rectosigmoid) primary after neo-adjuvant
    therapy gets the specimen's regression grade and one to three
    assessments between the end of that therapy and the operation (MRI,
    then CT, then endoscopy). Those operated on without it are given
    long-course chemoradiotherapy first, the operation (and what follows it)
    moved after it, so the demo has such patients. Draws only from `rng`."""
    if tumour["icd10_code"] not in RECTAL or tumour["tumour_type"] != "primary":
        return
    own = [t for t in out["treatments"][first:] if t["episode_id"] == tumour["episode_id"]]
    operation = next((t for t in own if t["treatment_type"] == "surgery"), None)
    if operation is None:
        return
    before = [t for t in own if "neo-adjuvant" in markings(t) and t["treatment_date"] < operation["treatment_date"]]
    if not before and not _chemoradiotherapy(rng, out, tumour, own, operation):
        return
    ended = max(t.get("end_date") or t["treatment_date"] for t in out["treatments"][first:]
                if t["episode_id"] == tumour["episode_id"] and "neo-adjuvant" in markings(t)
                and t["treatment_date"] < operation["treatment_date"])
    grade = rng.choice(["0", "1", "1", "2", "2", "3"])
    tumour["pathology"]["regression_grade"] = grade
    tumour["tnm_staging"]["pathological"]["prefix"] = "yp"
    count = rng.randint(1, 3)
    gap = (operation["treatment_date"] - ended).days
    for n, (method, scale, by_grade) in enumerate(ASSESSED[:count]):
        # Restaging from about six weeks after the therapy, before the operation.
        when = ended + timedelta(days=gap * (n + 4) // (count + 5))
        if not ended < when < operation["treatment_date"]:
            continue
        out[RESPONSES].append({
            "assessment_id": records.new_id(RESPONSES, rng), "tumour_id": tumour["tumour_id"],
            "episode_id": tumour["episode_id"], "patient_id": tumour["patient_id"], "assessment_date": when,
            "method": method, "scale": scale, "result": rng.choice(by_grade[grade]), "notes": None,
            "created_at": NOW, "last_modified_at": NOW, "version": 1})


def _chemoradiotherapy(rng, out, tumour, own, operation):
    """Long-course chemoradiotherapy from the day the operation was to be,
    the operation and everything after it moved 10-12 weeks past its end;
    not when that would pass the demo's "now". Returns whether it was given."""
    start = operation["treatment_date"]
    shift = timedelta(days=CRT_DAYS + rng.randint(70, 84))
    later = [t for t in own if t["treatment_date"] >= start]
    if max(t.get("end_date") or t.get("discharge_date") or t["treatment_date"] for t in later) + shift >= NOW:
        return False
    for t in later:
        for key in ("treatment_date", "start_date", "end_date", "discharge_date", "response_date"):
            if isinstance(t.get(key), datetime):
                t[key] += shift
    crt = _treatment(rng, "radiotherapy", tumour["episode_id"], tumour["patient_id"],
                     operation["provider_organisation"], start, tumour["icd10_code"], None, None)
    crt.update(treatment_intent="01", total_dose_gy=45.0, fractions=25, end_date=start + timedelta(days=CRT_DAYS),
               radiotherapy_course="long")
    out["treatments"].insert(out["treatments"].index(operation), crt)
    for episode in out["episodes"]:
        if str(episode["_id"]) == tumour["episode_id"]:
            episode["mdt_outcome"] = "neoadjuvant"
    return True


def legacy_shape(data):
    """The same data in the old shape: each episode holds its treatments[] and
    tumours[] (without episode_id/patient_id, which the parent implies), and
    the separate collections are empty."""
    by_episode = {}
    for kind in ("treatments", "tumours"):
        for item in data[kind]:
            slot = by_episode.setdefault(item["episode_id"], {"treatments": [], "tumours": []})
            slot[kind].append({k: v for k, v in item.items() if k not in ("episode_id", "patient_id")})
    episodes = []
    for episode in data["episodes"]:
        slot = by_episode.get(str(episode["_id"]), {"treatments": [], "tumours": []})
        episodes.append({**episode, "treatments": slot["treatments"], "tumours": slot["tumours"]})
    # The legacy system had no response assessments: they are not in its shape.
    return {"patients": data["patients"], "episodes": episodes, "tumours": [], "treatments": []}


def write(data, legacy=False, database=None):
    """Insert the generated documents. Returns the counts of records written
    (tumours and treatments counted wherever they are, embedded or not)."""
    database = db.resolve(database)
    counts = {name: len(data[name]) for name in ("patients", "episodes", "tumours", "treatments")}
    if legacy:
        data = legacy_shape(data)
    for name in ("patients", "episodes", "tumours", "treatments"):
        if data[name]:
            db.collection(name, database).insert_many(data[name], ordered=False)
    if data.get("follow_ups"):  # a legacy database had no follow-up: the shape is this system's
        db.collection(db.FOLLOW_UPS, database).insert_many(data["follow_ups"], ordered=False)
        counts["follow-up tests"] = len(data["follow_ups"])
    if data.get(RESPONSES):
        counts[RESPONSES] = len(data[RESPONSES])
        db.collection(db.RESPONSE_ASSESSMENTS, database).insert_many(data[RESPONSES], ordered=False)
    return counts
