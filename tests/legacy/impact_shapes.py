"""Synthetic data in the shapes the legacy system IMPACT (pdsykes2512/surg-db)
wrote into MongoDB, for the tests of adopting such a database.

Written from a reading of IMPACT's writers (see
the shared reference legacy-impact.md); no code or data of IMPACT's is in
here. Every person is invented; NHS numbers come from the never-issued 999
range and pass Modulus 11.

`build(episodes, seed, fernet_key)` returns {"patients", "episodes",
"tumours", "treatments"}: lists of documents, deterministic for a seed (with a
`fernet_key`, the ciphertexts differ between runs because Fernet uses a
random IV, but they decrypt to the same text). The mix of writers is fixed
(per 20 patients):

    importer            8  import_comprehensive.py: 6-hex patient_id, nested
                           demographics/contact, "nan" strings, E-<pid>-NN
                           episodes with treatment_ids/tumour_ids, T-/SUR-/
                           ONC-/DXT- treatments with nested sub-documents
    importer_encrypted  2  the same after encrypt_all_patient_fields.py:
                           identifiers and demographics.{names, dob} as ENC:
    era_a               3  before 2025-12-23: keyed by record_number, NHS number
                           "XXX XXX XXXX", treatments[]/tumours[] embedded in
                           the episode (half of them already moved out by
                           migrate_to_separate_collections.py: arrays emptied,
                           children keyed by the episode's ObjectId string)
    api                 4  the web UI through the API: encrypted mrn/nhs_number
                           with *_hash, flat surgery fields with booleans,
                           children keyed by E- id or ObjectId string, some
                           missing from the id arrays
    v4                  3  the Dec-23 Access import: mdt_outcome{}, status
                           "completed", staging{} and surgery{classification{}}

`expected(result)` is what the adopted data must look like (the truth the
legacy documents were written from): see its docstring.
"""
import hashlib
import random
from datetime import datetime, timedelta

from bson import ObjectId

from webapp.domain import legacy_crypto, nhs_number

WRITERS = ("importer", "era_a", "importer", "api", "importer", "v4", "importer_encrypted", "importer",
           "api", "era_a", "importer", "v4", "api", "importer", "importer_encrypted", "era_a", "importer",
           "api", "v4", "importer")
NOW = datetime(2026, 1, 12, 9, 30)
PROVIDER_NAME = "Portsmouth Hospitals University NHS Trust"

FIRST = ["Ada", "Bilal", "Ceri", "Dmitri", "Esme", "Femi", "Gita", "Hamish", "Ines", "Jude", "Kofi", "Lena",
         "Mared", "Nuala", "Omar", "Pia", "Rory", "Saoirse", "Tariq", "Una", "Vera", "Wojciech", "Xin", "Yara"]
LAST = ["Abbott", "Bhatt", "Corrigan", "Dlamini", "Ellis", "Fenwick", "Gallagher", "Hussain", "Ivanova",
        "Jenkins", "Khan", "Lloyd", "McKenna", "Novak", "Okafor", "Pritchard", "Rahman", "Sato", "Thorne",
        "Ward"]
POSTCODE_AREAS = ["PO1", "PO4", "PO9", "SO14", "GU32", "BN1"]
SURGEONS = ["Mr A Surgeon", "Ms B Cutter", "Mr D Resector", "Miss E Stapler"]
ONCOLOGISTS = ["Dr C Oncologist", "Dr F Radiant"]

# ICD-10 primary site -> IMPACT's site name (its UI and importer use these).
SITE_NAMES = {"C18.0": "caecum", "C18.1": "appendix", "C18.2": "ascending_colon", "C18.3": "hepatic_flexure",
              "C18.4": "transverse_colon", "C18.5": "splenic_flexure", "C18.6": "descending_colon",
              "C18.7": "sigmoid_colon", "C18.9": "colon_unspecified", "C19": "rectosigmoid_junction",
              "C20": "rectum"}
SITES = ["C20", "C20", "C20", "C18.7", "C18.7", "C18.7", "C18.0", "C18.2", "C18.4", "C18.6", "C19", "C18.3",
         "C18.5", "C18.9"]
# The importer's procedure -> OPCS-4 (3-character, subtype stripped); the UI's own table.
IMPORTER_OPCS = {"C18.0": "H07", "C18.2": "H07", "C18.3": "H07", "C18.4": "H07", "C18.1": "H07", "C18.9": "H07",
                 "C18.5": "H09", "C18.6": "H09", "C18.7": "H10", "C19": "H33", "C20": "H33"}
UI_OPCS = {"C18.0": "H04", "C18.2": "H04", "C18.3": "H04", "C18.4": "H04", "C18.1": "H04", "C18.9": "H04",
           "C18.5": "H05", "C18.6": "H05", "C18.7": "H06", "C19": "H35", "C20": "H34"}
PROCEDURES = {"H07": "Right hemicolectomy", "H09": "Left hemicolectomy", "H10": "Sigmoid colectomy",
              "H33": "Anterior resection", "H04": "Right hemicolectomy", "H05": "Left hemicolectomy",
              "H06": "Sigmoid colectomy", "H35": "Hartmann's procedure", "H34": "Abdominoperineal resection"}

UI_ETHNICITY = {"English, Welsh, Scottish, Northern Irish or British": "A", "Irish": "B", "Indian": "H",
                "Pakistani": "J", "Caribbean": "M", "African": "N", "Chinese": "R", "Prefer not to say": "Z"}


class Build(dict):
    """The collections (a plain mapping of name -> documents) plus the truth
    they were written from, for `expected()`."""

    truth = None


def _oid(rng):
    return ObjectId(rng.getrandbits(96).to_bytes(12, "big"))


def _ymd(d):
    return d.strftime("%Y-%m-%d") if d else None


def _iso_micro(d, rng):
    """Era A: datetime.now().isoformat(), i.e. with microseconds."""
    return (d + timedelta(hours=rng.randint(8, 17), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59),
                          microseconds=rng.randint(1, 999999))).isoformat()


def _day(d):
    return datetime(d.year, d.month, d.day)


def _spaced(nhs):
    return nhs_number.format_spaced(nhs)


def _sha(value):
    return hashlib.sha256(str(value).replace(" ", "").strip().lower().encode()).hexdigest()


def _ts36(rng):
    """The Era A UI's upper-case base-36 timestamp part (8 chars in Dec 2025)."""
    n = rng.randint(36 ** 7 * 26, 36 ** 7 * 27)
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def _rand(rng, k):
    return "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(k))


class _Writer:
    def __init__(self, episodes, seed, fernet_key):
        self.rng = random.Random(seed)
        self.seed = seed
        self.key = fernet_key
        self.target = episodes
        self.numbers = nhs_number.test_range(seed * 7919 % 500000)
        self.out = Build(patients=[], episodes=[], tumours=[], treatments=[])
        self.truth = {"patients": {}, "episodes": {}, "orphan_treatments": [], "duplicate_mrns": {},
                      "unkeyed_patients": [], "writers": {}, "ambiguous_tumour_ids": []}
        self.patient_ids = set()
        self.episode_count = 0
        self.counters = {}

    # -- helpers ----------------------------------------------------------

    def enc(self, value):
        if value is None or self.key is None:
            return value
        return legacy_crypto.encrypt(value, self.key)

    def count(self, name):
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def hex_pid(self, basis):
        salt = 0
        while True:
            pid = hashlib.md5(f"{basis}{'/' * salt}".encode()).hexdigest()[:6].upper()
            if pid not in self.patient_ids:
                self.patient_ids.add(pid)
                return pid
            salt += 1

    def ui_pid(self):
        while True:
            pid = "MJ" + _rand(self.rng, 4)
            if pid not in self.patient_ids:
                self.patient_ids.add(pid)
                return pid

    def person(self, p, writer):
        rng = self.rng
        diagnosis = datetime(2023, 1, 1) + timedelta(days=rng.randint(0, 1000))  # 2023-01 .. 2025-09
        age = rng.randint(38, 91)
        dob = _day(diagnosis - timedelta(days=age * 365 + rng.randint(0, 364)))
        return {
            "nhs": next(self.numbers), "first": rng.choice(FIRST), "last": rng.choice(LAST),
            "dob": dob, "sex": rng.choice(["1", "2"]), "diagnosis": diagnosis,
            "postcode": f"{rng.choice(POSTCODE_AREAS)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                        f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
            "pas": f"1{self.seed % 10}{p:06d}", "hosp": f"2{self.seed % 10}{p:06d}",
            "record": f"IW{p:06d}" if p % 2 else f"3{self.seed % 10}{p:06d}",
        }

    def add_patient(self, doc, writer, truth):
        self.out["patients"].append(doc)
        key = str(doc["_id"])
        truth["writer"] = writer
        self.truth["patients"][key] = truth
        self.truth["writers"][writer] = self.truth["writers"].get(writer, 0) + 1
        if truth["mrn"] is None:
            self.truth["unkeyed_patients"].append(key)
        return key

    # -- patients ---------------------------------------------------------

    def run(self):
        p = 0
        while self.episode_count < self.target:
            writer = WRITERS[p % len(WRITERS)]
            n_episodes = min(2 if p % 4 == 1 else 1, self.target - self.episode_count)
            getattr(self, "patient_" + writer)(p, n_episodes)
            p += 1
        seen, twice = set(), set()
        for tumour in self.out["tumours"]:
            (twice if tumour["tumour_id"] in seen else seen).add(tumour["tumour_id"])
        self.truth["ambiguous_tumour_ids"] = sorted(twice)
        self.out.truth = self.truth
        return self.out

    def _truth(self, person, mrn, first=True, last=True, dob="ok", ethnic=None, postcode=True):
        return {"mrn": mrn, "nhs_number": person["nhs"],
                "first_name": person["first"] if first else None,
                "last_name": person["last"] if last else None,
                "date_of_birth": person["dob"] if dob == "ok" else None, "dob_problem": None if dob == "ok" else dob,
                "sex": person["sex"], "ethnic_category": ethnic, "postcode": person["postcode"] if postcode else None}

    def patient_importer(self, p, n_episodes, encrypted=False):
        rng, person = self.rng, self.person(p, "importer")
        i = self.count("importer_patients")
        pid = self.hex_pid(person["hosp"])
        no_pas = i % 25 == 3                 # PAS_No was empty: mrn None, hospital number is the key
        nan_names = i % 15 == 4              # empty Access cells became "nan"
        dob_state = "missing" if i % 40 == 7 else "ok"
        dob_value = _ymd(person["dob"]) if dob_state == "ok" else None
        if dob_state == "ok" and i % 30 == 11:
            dob_value = person["dob"]        # fix_future_dobs.py wrote a BSON datetime
        deceased = _ymd(person["diagnosis"] + timedelta(days=rng.randint(200, 700))) if i % 9 == 5 else None
        mrn = None if no_pas else person["pas"]
        doc = {
            "_id": _oid(rng), "patient_id": pid, "mrn": mrn, "nhs_number": person["nhs"],
            "hospital_number": person["hosp"],
            "demographics": {
                "first_name": "nan" if nan_names else person["first"],
                "last_name": "nan" if nan_names else person["last"],
                "date_of_birth": dob_value,
                "age": (NOW - person["dob"]).days // 365 if dob_state == "ok" else None,
                "gender": "male" if person["sex"] == "1" else "female",
                "ethnicity": "Z", "deceased_date": deceased,
                "bmi": round(rng.uniform(19, 36), 1), "weight_kg": float(rng.randint(50, 110)),
                "height_cm": float(rng.randint(150, 192)),
            },
            "contact": {"postcode": "nan" if nan_names else person["postcode"]},
            "medical_history": {"family_history": True, "family_history_positive": "nan"},
            "created_at": NOW, "updated_at": NOW,
        }
        writer = "importer"
        if encrypted:
            # encrypt_all_patient_fields.py: top-level identifiers and
            # demographics.{names, dob, deceased}; contact.postcode stays plain.
            writer = "importer_encrypted"
            for field in ("mrn", "nhs_number", "hospital_number"):
                doc[field] = self.enc(doc[field])
            demo = doc["demographics"]
            if isinstance(demo["date_of_birth"], datetime) or i % 3 == 0 and demo["date_of_birth"]:
                demo["date_of_birth"] = person["dob"].strftime("%Y-%m-%d 00:00:00")
            for field in ("first_name", "last_name", "date_of_birth", "deceased_date"):
                demo[field] = self.enc(demo[field])
        truth = self._truth(person, mrn or person["hosp"], first=not nan_names, last=not nan_names,
                            dob=dob_state, ethnic="Z", postcode=not nan_names)
        key = self.add_patient(doc, writer, truth)
        for e in range(n_episodes):
            self.episode_importer(pid, key, person, e + 1, p)
        if writer == "importer" and self.count("importer_plain") == 6:
            self.duplicate_of(doc, person, key)

    def patient_importer_encrypted(self, p, n_episodes):
        self.patient_importer(p, n_episodes, encrypted=True)

    def duplicate_of(self, original, person, original_key):
        """The same person registered again through the UI (its duplicate-MRN
        check compared plaintext with ciphertext, so it let this through)."""
        rng = self.rng
        pid = self.ui_pid()
        doc = {
            "_id": _oid(rng), "patient_id": pid, "mrn": self.enc(original["mrn"]),
            "nhs_number": self.enc(_spaced(person["nhs"])),
            "mrn_hash": _sha(original["mrn"]), "nhs_number_hash": _sha(person["nhs"]),
            "demographics": {"date_of_birth": _ymd(person["dob"]), "age": (NOW - person["dob"]).days // 365,
                             "gender": "male" if person["sex"] == "1" else "female",
                             "ethnicity": "Prefer not to say", "postcode": person["postcode"]},
            "medical_history": {"conditions": [], "previous_surgeries": [], "medications": [], "allergies": []},
            "created_at": NOW, "created_by": "data_entry_1", "updated_at": NOW,
        }
        truth = self._truth(person, original["mrn"], first=False, last=False, ethnic="Z")
        key = self.add_patient(doc, "api", truth)
        self.truth["duplicate_mrns"][original["mrn"]] = [original_key, key]
        # Its one episode must link to the same MRN (it is the same person).
        self.episode_api(pid, key, person, 1, dict(person, diagnosis=person["diagnosis"] + timedelta(days=400)))

    def patient_era_a(self, p, n_episodes):
        rng, person = self.rng, self.person(p, "era_a")
        i = self.count("era_a_patients")
        dob_state = "unreadable" if i % 17 == 5 else "ok"
        doc = {
            "_id": _oid(rng), "record_number": person["record"], "nhs_number": _spaced(person["nhs"]),
            "demographics": {
                # The Era A model typed date_of_birth as a free str.
                "date_of_birth": _ymd(person["dob"]) if dob_state == "ok"
                else f"{person['dob'].year}-02-31",
                "age": (NOW - person["dob"]).days // 365,
                "gender": "male" if person["sex"] == "1" else "female",
                "ethnicity": None, "postcode": person["postcode"],
            },
            "medical_history": {"conditions": [], "previous_surgeries": [], "medications": [], "allergies": [],
                                "smoking_status": rng.choice(["never", "former", "current"]), "alcohol_use": None},
            "created_at": NOW - timedelta(days=30), "created_by": "admin",
            "updated_at": NOW - timedelta(days=30), "updated_by": "admin",
        }
        truth = self._truth(person, person["record"], first=False, last=False, dob=dob_state)
        key = self.add_patient(doc, "era_a", truth)
        for e in range(n_episodes):
            self.episode_era_a(person["record"], key, person, e, i)

    def patient_api(self, p, n_episodes):
        rng, person = self.rng, self.person(p, "api")
        i = self.count("api_patients")
        no_mrn = i % 60 == 13                # the API model makes mrn optional
        if i % 45 == 20:                     # a child: out of the audit's scope
            person["dob"] = _day(person["diagnosis"] - timedelta(days=15 * 365 + 40))
        mrn = None if no_mrn else person["record"]
        label = rng.choice(list(UI_ETHNICITY))
        doc = {"_id": _oid(rng), "patient_id": self.ui_pid()}
        if mrn:
            doc["mrn"] = self.enc(mrn)
            doc["mrn_hash"] = _sha(mrn)
        doc.update({
            "nhs_number": self.enc(_spaced(person["nhs"])), "nhs_number_hash": _sha(person["nhs"]),
            # API encrypt_document is top-level only: demographics stay plain.
            "demographics": {"date_of_birth": _ymd(person["dob"]), "age": (NOW - person["dob"]).days // 365,
                             "gender": "male" if person["sex"] == "1" else "female", "ethnicity": label,
                             "postcode": person["postcode"], "bmi": None, "weight_kg": None, "height_cm": None},
            "medical_history": {"conditions": [], "previous_surgeries": [], "medications": [], "allergies": [],
                                "smoking_status": None, "alcohol_use": None},
            "created_at": NOW - timedelta(days=10), "created_by": "surgeon_2", "updated_at": NOW - timedelta(days=10),
        })
        truth = self._truth(person, mrn, first=False, last=False, ethnic=UI_ETHNICITY[label])
        key = self.add_patient(doc, "api", truth)
        for e in range(n_episodes):
            diag = person if e == 0 else dict(person, diagnosis=person["diagnosis"] + timedelta(days=300))
            self.episode_api(doc["patient_id"], key, person, e + 1, diag)

    def patient_v4(self, p, n_episodes):
        rng, person = self.rng, self.person(p, "v4")
        mrn = person["pas"].zfill(8)
        pid = self.hex_pid(mrn)
        doc = {
            "_id": _oid(rng), "patient_id": pid, "mrn": mrn, "nhs_number": person["nhs"],
            "demographics": {"date_of_birth": _ymd(person["dob"]), "age": (NOW - person["dob"]).days // 365,
                             "gender": "Male" if person["sex"] == "1" else "Female", "ethnicity": None,
                             "postcode": person["postcode"]},
            "medical_history": {"conditions": [], "previous_surgeries": [], "medications": [], "allergies": []},
            "created_at": NOW - timedelta(days=20), "updated_at": NOW - timedelta(days=20),
        }
        truth = self._truth(person, mrn, first=False, last=False)
        key = self.add_patient(doc, "v4", truth)
        for e in range(n_episodes):
            self.episode_v4(pid, key, person, e + 1)

    # -- episodes ---------------------------------------------------------

    def episode_truth(self, episode, patient_key, writer, person, site, diagnosis_problem=None, has_opcs=True,
                      tnm_version=True):
        """What the adopted episode must be; children are counted as they are added."""
        self.episode_count += 1
        pt = self.truth["patients"][patient_key]
        reasons = []
        if pt["mrn"] is None:
            reasons.append("no_mrn")
        if pt["dob_problem"] == "missing":
            reasons.append("no_birth_date")
        elif pt["dob_problem"] == "unreadable":
            reasons.append("unreadable_birth_date")
        elif (person["diagnosis"] - pt["date_of_birth"]).days < 18 * 365.25:
            reasons.append("under_18")
        if site.startswith("C21"):
            reasons.append("site_out_of_scope")
        if diagnosis_problem:
            reasons.append(diagnosis_problem)
        if not has_opcs:
            reasons.append("no_surgery_opcs")
        if not tnm_version:
            reasons.append("no_tnm_version")  # staged, but the edition was never recorded: COSD needs it
        t = {"writer": writer, "patient_key": patient_key, "patient_mrn": pt["mrn"], "tumours": 0,
             "treatments": 0, "treatment_types": [], "primary_icd10": site,
             "diagnosis_date": None if diagnosis_problem else _day(person["diagnosis"]),
             "export_complete": not reasons, "incomplete_reasons": reasons}
        self.truth["episodes"][str(episode["_id"])] = t
        return t

    def site_for(self, n):
        """Every 13th episode is anal (C21): recorded, outside NBOCA's scope."""
        return "C21.1" if n % 13 == 12 else self.rng.choice(SITES)

    def episode_importer(self, pid, patient_key, person, seq, p):
        rng = self.rng
        n = self.count("importer_episodes")
        site = self.site_for(n)
        diag = person["diagnosis"] + timedelta(days=400 * (seq - 1))
        ref = diag - timedelta(days=rng.randint(5, 30))
        episode_id = f"E-{pid}-{seq:02d}"
        doc = {
            "_id": _oid(rng), "episode_id": episode_id, "patient_id": pid, "condition_type": "cancer",
            "cancer_type": "bowel", "referral_date": _ymd(ref),
            "referral_source": ["gp", "gp", "screening", "consultant", "emergency", "other"][n % 6],
            "referral_priority": ["two_week_wait", "routine", "urgent"][n % 3],
            "first_seen_date": _ymd(ref + timedelta(days=rng.randint(3, 12))), "provider_first_seen": "RHU",
            "mdt_discussion_date": None, "mdt_team": "nan" if n % 4 else "Colorectal",
            "mdt_meeting_type": "Colorectal MDT", "treatment_intent": "palliative" if n % 8 == 3 else "curative",
            "treatment_plan": "surgery", "cns_involved": ["yes", "no", None][n % 3],
            "performance_status": n % 4, "episode_status": "active",
            "lead_clinician": rng.choice(SURGEONS).title(), "treatment_ids": [], "tumour_ids": [],
            "follow_up": [], "no_treatment": "no", "created_at": NOW, "updated_at": NOW,
        }
        self.out["episodes"].append(doc)
        has_opcs = n % 31 != 17
        t = self.episode_truth(doc, patient_key, "importer", dict(person, diagnosis=diag), site, has_opcs=has_opcs)
        # Tumour, keyed by the semantic episode id.
        tum_seq = self.count(f"tum:{pid}")
        icd = {0: site, 1: site.replace(".", ""), 2: "nan"}[n % 3] if site in SITE_NAMES else \
            (site if n % 2 else site.replace(".", ""))
        tumour = {
            "_id": _oid(rng), "tumour_id": f"TUM-{pid}-{tum_seq:02d}", "patient_id": pid, "episode_id": episode_id,
            "tumour_type": "primary", "diagnosis_date": _ymd(diag), "icd10_code": icd,
            "site": SITE_NAMES.get(site), "tnm_version": "8",
            "clinical_t": ["3", "2", "4a", "x", "3"][n % 5], "clinical_n": ["0", "1a", "1b", "0"][n % 4],
            "clinical_m": ["0", "0", "0", "x"][n % 4],
            "pathological_t": ["3", "2", "4b", "1"][n % 4], "pathological_n": ["0", "1b", "2a"][n % 3],
            "pathological_m": None, "distance_from_anal_verge_cm": None,
            "imaging_results": {"ct_chest": {"result": "no", "date": _ymd(ref)},
                                "ct_abdomen": {"result": "yes", "date": _ymd(ref)},
                                "mri_primary": {"date": None, "t_stage": None, "n_stage": None, "crm_status": None,
                                                "crm_distance_mm": None, "emvi": None}},
            "distant_metastases": {"liver": "no", "lung": "no", "bone": "no", "other": "no"},
            "screening": {"screening_programme": "no", "screened": "no"},
            "synchronous": "no", "synchronous_description": "nan",
            "grade": ["g2", "g2", "g1", "g3", "g4"][n % 5],
            "histology_type": ["adenocarcinoma", "adenocarcinoma", "mucinous_adenocarcinoma"][n % 3],
            "size_mm": float(rng.randint(15, 70)), "lymph_nodes_examined": 14 + n % 9,
            "lymph_nodes_positive": n % 4, "lymphovascular_invasion": ["absent", "present", "uncertain"][n % 3],
            "perineural_invasion": "absent", "vascular_invasion": ["absent", "present"][n % 2],
            "crm_status": ["no", "no", "yes", "uncertain"][n % 4], "crm_distance_mm": round(rng.uniform(0.5, 12), 1),
            "proximal_margin_mm": None, "distal_margin_mm": None, "resection_grade": "r0",
            "extranodal_extension": "no", "apical_node_involvement": "no", "mesorectal_involvement": False,
            "pathological_stage_date": _ymd(diag + timedelta(days=30)), "created_at": NOW, "updated_at": NOW,
        }
        self.add_child("tumours", tumour, doc, t, in_array=True)
        # Surgery: T- ids until fix_treatment_id_prefixes.py renamed them SUR-;
        # "surgery" until migrate_surgery_types.py made it surgery_primary.
        renamed = n % 2 == 0
        tr_seq = self.count(f"tr:{pid}")
        when = diag + timedelta(days=rng.randint(20, 60))
        opcs = IMPORTER_OPCS.get(site, "H33") if has_opcs else None
        los = rng.randint(3, 15)
        surgery = {
            "_id": _oid(rng), "treatment_id": f"{'SUR' if renamed else 'T'}-{pid}-{tr_seq:02d}",
            "patient_id": pid, "episode_id": episode_id,
            "treatment_type": "surgery_primary" if n % 5 == 1 else "surgery", "treatment_date": _ymd(when),
            "treatment_intent": "palliative" if n % 8 == 3 else "curative", "opcs4_code": opcs,
            "asa_score": 1 + n % 4, "provider_organisation": PROVIDER_NAME,
            "height_cm": None, "weight_kg": None, "bmi": None,
            "classification": {"urgency": ["elective", "elective", "urgent", "emergency", None][n % 5],
                               "approach": ["laparoscopic", "open", "robotic", "converted"][n % 4]},
            "procedure": {"primary_procedure": PROCEDURES.get(opcs), "procedure_type": "resection",
                          "resection_performed": "yes", "robotic_surgery": "yes" if n % 4 == 2 else "no",
                          "conversion_to_open": "yes" if n % 4 == 3 else "no", "anterior_resection_type": "nan"},
            "perioperative_timeline": {"admission_date": _ymd(when), "surgery_date": _ymd(when),
                                       "operation_duration_minutes": rng.randint(90, 300),
                                       "discharge_date": _ymd(when + timedelta(days=los)),
                                       "length_of_stay_days": los},
            "team": {"primary_surgeon": None, "primary_surgeon_text": rng.choice(SURGEONS),
                     "surgeon_grade": "consultant", "assistant_surgeons": [], "assistant_surgeons_text": [],
                     "anesthetist_grade": "consultant", "surgical_fellow": "nan"},
            "intraoperative": {"stoma_created": "yes" if n % 3 == 0 else "no",
                               "stoma_type": ["ileostomy", "none", "none"][n % 3], "stoma_closure_date": None,
                               "defunctioning_stoma": n % 3 == 0, "anastomosis_performed": "yes" if n % 6 else "no",
                               "bowel_prep": "full", "thromboprophylaxis": "nan", "antibiotic_prophylaxis": "nan",
                               "extraction_site": "pfannenstiel", "previous_abdominal_surgery": "no"},
            "postoperative_events": {"return_to_theatre": {"occurred": "yes" if n % 17 == 2 else "no"},
                                     "complications": [{"type": "wound_infection", "severity": "minor",
                                                        "clavien_dindo_grade": "I"}] if n % 7 == 1 else [],
                                     "post_op_complications": "nan", "post_op_ileus": "no",
                                     "post_op_ct_collection": "no"},
            "outcomes": {"readmission_30day": "yes" if n % 11 == 4 else "no",
                         "return_to_theatre": "yes" if n % 17 == 2 else "no",
                         "mortality_30day": False, "mortality_90day": False},
            "clinical_trial": {"enrolled": "no", "trial_name": "nan"},
            "created_at": NOW, "updated_at": NOW,
        }
        if n % 31 == 17:
            surgery["classification"]["approach"] = "open"
        self.add_child("treatments", surgery, doc, t, in_array=True, kind="surgery")
        # Oncology: T-<pid>-10NN, or ONC-/DXT- after the prefix fix.
        if n % 3 == 1:
            onc_seq = 1000 + self.count(f"onc:{pid}")
            chemo = {
                "_id": _oid(rng), "treatment_id": f"{'ONC' if renamed else 'T'}-{pid}-{onc_seq}",
                "patient_id": pid, "episode_id": episode_id, "treatment_type": "chemotherapy",
                "treatment_date": _ymd(when + timedelta(days=42)), "timing": "adjuvant",
                "regimen": {"regimen_name": ["CAPOX", "FOLFOX", "nan"][n % 3]},
                "start_date": _ymd(when + timedelta(days=42)), "trial_enrollment": "no", "trial_name": "nan",
                "created_at": NOW, "updated_at": NOW,
            }
            self.add_child("treatments", chemo, doc, t, in_array=True, kind="chemotherapy")
        if n % 5 == 2:
            onc_seq = 1000 + self.count(f"onc:{pid}")
            start = diag + timedelta(days=7)
            rt = {
                "_id": _oid(rng), "treatment_id": f"{'DXT' if renamed else 'T'}-{pid}-{onc_seq}",
                "patient_id": pid, "episode_id": episode_id, "treatment_type": "radiotherapy",
                "treatment_date": _ymd(start), "timing": "neoadjuvant",
                "technique": ["short_course", "long_course", "contact"][n % 3], "start_date": _ymd(start),
                "end_date": _ymd(start + timedelta(days=5 if n % 3 == 0 else 35)), "trial_enrollment": "no",
                "created_at": NOW, "updated_at": NOW,
            }
            self.add_child("treatments", rt, doc, t, in_array=True, kind="radiotherapy")
        if n % 19 == 6:
            # An oncology row whose TumSeqNo matched no episode: stored with
            # episode_id null and in no array.
            onc_seq = 1000 + self.count(f"onc:{pid}")
            orphan = {
                "_id": _oid(rng), "treatment_id": f"T-{pid}-{onc_seq}", "patient_id": pid, "episode_id": None,
                "treatment_type": "chemotherapy", "treatment_date": _ymd(when + timedelta(days=90)),
                "timing": "palliative", "regimen": {"regimen_name": "Capecitabine"},
                "start_date": _ymd(when + timedelta(days=90)), "trial_enrollment": "no", "trial_name": "nan",
                "created_at": NOW, "updated_at": NOW,
            }
            self.out["treatments"].append(orphan)
            self.truth["orphan_treatments"].append(orphan["treatment_id"])

    def add_child(self, collection, child, episode, t, in_array, kind=None):
        """A child in its collection, counted for its episode; `in_array` says
        whether the episode's id array lists it (IMPACT's episode view shows
        only those). `kind` is a treatment's canonical type."""
        self.out[collection].append(child)
        t[collection] += 1
        if kind:
            t["treatment_types"].append(kind)
        array, id_field = ("tumour_ids", "tumour_id") if collection == "tumours" else ("treatment_ids", "treatment_id")
        if in_array and array in episode:
            episode[array].append(child[id_field])

    def episode_era_a(self, record, patient_key, person, e, i):
        rng = self.rng
        n = self.count("era_a_episodes")
        site = self.site_for(n + 5)
        diag = person["diagnosis"] + timedelta(days=380 * e)
        ref = diag - timedelta(days=rng.randint(5, 30))
        oid = _oid(rng)
        doc = {
            "_id": oid, "episode_id": f"EPI-{_ts36(rng)}-{_rand(rng, 4)}", "patient_id": record,
            "condition_type": "cancer", "cancer_type": "bowel", "referral_date": _iso_micro(ref, rng),
            "first_seen_date": _iso_micro(ref + timedelta(days=5), rng),
            "mdt_discussion_date": _iso_micro(ref + timedelta(days=12), rng),
            "lead_clinician": rng.choice(SURGEONS), "mdt_team": [rng.choice(ONCOLOGISTS)],
            "episode_status": "active",
            "cancer_data": {"cancer_site": SITE_NAMES.get(site, "anus"), "presentation_type": "symptomatic",
                            "histological_type": "adenocarcinoma", "differentiation": "moderate"},
            "created_at": NOW - timedelta(days=25), "created_by": "admin",
            "last_modified_at": NOW - timedelta(days=25), "last_modified_by": "admin",
            "treatments": [], "tumours": [],
        }
        self.out["episodes"].append(doc)
        problem = "unreadable_diagnosis_date" if n % 11 == 7 else None
        t = self.episode_truth(doc, patient_key, "era_a", dict(person, diagnosis=diag), site, problem)
        when = diag + timedelta(days=rng.randint(20, 50))
        tumour = {
            "tumour_id": f"TUM-{_ts36(rng)}-{_rand(rng, 4)}", "tumour_type": "primary",
            "site": SITE_NAMES.get(site), "icd10_code": site,
            "diagnosis_date": "03/2024" if problem else _iso_micro(diag, rng), "tnm_version": "8",
            "clinical_t": ["T3", "T2", "T4a", "Tis", "T3"][n % 5], "clinical_n": ["N0", "N1a", "N1b"][n % 3],
            "clinical_m": ["M0", "M0", "Mx"][n % 3], "grade": ["moderate", "well", "poor"][n % 3],
            "histology_type": "Adenocarcinoma", "crm_status": ["clear", "involved", "not_applicable"][n % 3],
            "lymph_nodes_examined": 12 + n % 7, "lymph_nodes_positive": n % 3,
            "created_at": NOW - timedelta(days=25), "last_modified_at": NOW - timedelta(days=25),
        }
        surgery = {
            "treatment_id": f"SUR-{_ts36(rng)}-{_rand(rng, 4)}", "treatment_type": "surgery",
            "treatment_date": _iso_micro(when, rng), "procedure_name": PROCEDURES[UI_OPCS.get(site, "H34")],
            "opcs4_code": UI_OPCS.get(site, "H34"), "approach": ["laparoscopic", "open", "robotic"][n % 3],
            "urgency": ["elective", "urgent", "emergency"][n % 3], "asa_score": 2 + n % 2,
            "surgeon": rng.choice(SURGEONS), "provider_organisation": "RHU",
            "admission_date": _iso_micro(when, rng), "discharge_date": _iso_micro(when + timedelta(days=6), rng),
            "length_of_stay": 6, "stoma_created": n % 2 == 0, "anastomosis_performed": True,
            "return_to_theatre": n % 9 == 4, "readmission_30d": False,
            "created_at": NOW - timedelta(days=25), "last_modified_at": NOW - timedelta(days=25),
        }
        items = {"tumours": [tumour], "treatments": [surgery]}
        if n % 4 == 1:
            items["treatments"].append({
                "treatment_id": f"CHE-{_ts36(rng)}-{_rand(rng, 4)}", "treatment_type": "chemotherapy",
                "treatment_date": _iso_micro(when + timedelta(days=40), rng), "regimen": "FOLFOX",
                "cycle_number": 6, "oncologist": rng.choice(ONCOLOGISTS),
                "created_at": NOW - timedelta(days=25), "last_modified_at": NOW - timedelta(days=25)})
        t["tumours"] += len(items["tumours"])
        t["treatments"] += len(items["treatments"])
        t["treatment_types"] += [x["treatment_type"] for x in items["treatments"]]
        if n % 2 == 0:
            doc["tumours"], doc["treatments"] = items["tumours"], items["treatments"]
            return
        # migrate_to_separate_collections.py: children moved out, keyed by the
        # episode's ObjectId string and the record_number; arrays left [].
        for kind, docs in items.items():
            for item in docs:
                self.out[kind].append({**item, "_id": _oid(rng), "episode_id": str(oid), "patient_id": record,
                                       "created_by": "admin"})

    def episode_api(self, pid, patient_key, person, seq, diag_person):
        rng = self.rng
        n = self.count("api_episodes")
        site = self.site_for(n + 3)
        diag = diag_person["diagnosis"]
        ref = diag - timedelta(days=rng.randint(5, 30))
        # UI ids: EPI-<NHS number>-NN for a while, E-<pid>-NN now.
        episode_id = f"EPI-{person['nhs']}-{seq:02d}" if n % 5 == 0 else f"E-{pid}-{seq:02d}"
        oid = _oid(rng)
        doc = {
            "_id": oid, "episode_id": episode_id, "patient_id": pid, "condition_type": "cancer",
            "cancer_type": "bowel", "referral_date": _ymd(ref),
            "referral_source": ["gp", "2ww", "screening", "emergency", "consultant", "private"][n % 6],
            "referral_type": ["Elective", "Emergency", "Screening"][n % 3],
            "first_seen_date": _ymd(ref + timedelta(days=6)),
            "mdt_discussion_date": _ymd(ref + timedelta(days=14)), "mdt_team": [],
            "lead_clinician": rng.choice(SURGEONS), "episode_status": "active",
            "cns_involved": ["yes", "no", "unknown"][n % 3], "performance_status": str(n % 3),
            "treatment_intent": ["Curative", "Palliative", ""][n % 3], "treatment_plan": "Surgery",
            "treatment_ids": [], "tumour_ids": [],
            "created_at": NOW - timedelta(days=5), "created_by": "surgeon_2",
            "last_modified_at": NOW - timedelta(days=5), "last_modified_by": "current_user",
            "updated_at": (NOW - timedelta(days=4, microseconds=-123456)).isoformat(),  # an edit saved it as a string
        }
        if n % 4 == 2:
            doc["patient_mrn"] = self.truth["patients"][patient_key]["mrn"]  # decrypted copy saved by an edit
        self.out["episodes"].append(doc)
        problem = "unreadable_diagnosis_date" if n % 14 == 9 else None
        t = self.episode_truth(doc, patient_key, "api", diag_person, site, problem)
        # How the children are linked (see the module docstring):
        #   0: inline with the new episode -> ObjectId string, not in arrays
        #   1: semantic id, in arrays ($addToSet, after 12-31)
        #   2: semantic id, not in arrays (written before 12-31)
        style = n % 3
        link = str(oid) if style == 0 else episode_id
        in_array = style == 1
        tumour = {
            "_id": _oid(rng), "tumour_id": f"TUM-{pid}-01",  # NN counts tumours in *this* episode
            "patient_id": pid, "episode_id": link, "tumour_type": "primary", "site": SITE_NAMES.get(site),
            "icd10_code": site, "diagnosis_date": f"{diag.year}-02-30" if problem else _ymd(diag),
            "tnm_version": "8", "clinical_t": ["3", "4a", "2", "is"][n % 4],
            "clinical_n": ["0", "1a", "1c", "2b"][n % 4], "clinical_m": ["0", "0", "1a"][n % 3],
            "pathological_t": ["3", "4b", "2"][n % 3], "pathological_n": ["0", "1b"][n % 2],
            "pathological_m": "0", "grade": ["moderate", "well", "poor", "undifferentiated"][n % 4],
            "histology_type": ["Adenocarcinoma", "Mucinous adenocarcinoma", "Signet ring cell carcinoma"][n % 3],
            "snomed_morphology": "", "crm_status": ["clear", "involved", "uncertain", "not_applicable"][n % 4],
            "lymphovascular_invasion": n % 2 == 0, "perineural_invasion": False,
            "lymph_nodes_examined": 15, "lymph_nodes_positive": n % 5,
            "created_at": NOW - timedelta(days=5), "last_modified_at": NOW - timedelta(days=5),
        }
        self.add_child("tumours", tumour, doc, t, in_array=in_array)
        when = diag + timedelta(days=rng.randint(20, 50))
        tr_seq = self.count(f"tr:{pid}")
        yes_no_style = n % 4  # 0,1 booleans; 2 "yes"/"no"; 3 "False"/"True" strings (edited imports)

        def flag(value):
            return [value, value, "yes" if value else "no", str(value)][yes_no_style]

        surgery = {
            "_id": _oid(rng), "treatment_id": f"SUR-{pid}-{tr_seq:02d}", "patient_id": pid, "episode_id": link,
            "treatment_type": "surgery_primary" if n % 3 else "surgery", "treatment_date": _ymd(when),
            "procedure_name": PROCEDURES[UI_OPCS.get(site, "H34")], "opcs4_code": UI_OPCS.get(site, "H34"),
            "approach": ["laparoscopic", "open", "robotic", "converted_to_open", "laparoscopic"][n % 5],
            "urgency": ["elective", "urgent", "emergency"][n % 3], "complexity": "intermediate",
            "asa_score": 1 + n % 4, "surgeon": rng.choice(SURGEONS), "admission_date": _ymd(when),
            "discharge_date": _ymd(when + timedelta(days=7)), "length_of_stay": 7,
            "surgical_intent": ["curative", "palliative", "uncertain"][n % 3],
            "clavien_dindo_grade": ["I", "II", "IIIa", "IIIb", "IVa"][n % 5] if n % 6 == 1 else None,
            "provider_organisation": "RHU",
            "intraoperative": {"anesthesia_type": "general", "stoma_created": flag(n % 2 == 0),
                               "stoma_type": ["loop_ileostomy", "end_colostomy"][n % 2] if n % 2 == 0 else None,
                               "anastomosis_performed": flag(True), "defunctioning_stoma": flag(False)},
            "postoperative_events": {
                "return_to_theatre": {"occurred": flag(n % 10 == 3), "date": None, "reason": None},
                "complications": ["ileus"] if n % 6 == 1 else [],
                "anastomotic_leak": {"occurred": flag(n % 12 == 5), "severity": "B" if n % 12 == 5 else None}},
            "outcomes": {"readmission_30day": flag(n % 9 == 2), "mortality_30day": False, "mortality_90day": False},
            "created_at": NOW - timedelta(days=5), "last_modified_at": NOW - timedelta(days=5),
        }
        self.add_child("treatments", surgery, doc, t, in_array=in_array, kind="surgery")
        if n % 7 == 3:
            rtt_seq = self.count(f"tr:{pid}")
            self.add_child("treatments", {
                "_id": _oid(rng), "treatment_id": f"SUR-{pid}-{rtt_seq:02d}", "patient_id": pid,
                "episode_id": episode_id, "treatment_type": "surgery_rtt", "parent_surgery_id": surgery["treatment_id"],
                "treatment_date": _ymd(when + timedelta(days=3)), "opcs4_code": "H16", "rtt_reason": "leak",
                "urgency": "emergency", "approach": "open", "provider_organisation": "RHU",
                "created_at": NOW - timedelta(days=4), "last_modified_at": NOW - timedelta(days=4),
            }, doc, t, in_array=True, kind="surgery")
        if n % 8 == 5:
            rev_seq = self.count(f"tr:{pid}")
            self.add_child("treatments", {
                "_id": _oid(rng), "treatment_id": f"SUR-{pid}-{rev_seq:02d}", "patient_id": pid,
                "episode_id": episode_id, "treatment_type": "surgery_reversal",
                "parent_surgery_id": surgery["treatment_id"], "treatment_date": _ymd(when + timedelta(days=120)),
                "opcs4_code": "G75", "reversal_notes": "loop ileostomy closed", "urgency": "elective",
                "approach": "open", "provider_organisation": "RHU",
                "created_at": NOW - timedelta(days=3), "last_modified_at": NOW - timedelta(days=3),
            }, doc, t, in_array=True, kind="surgery")
        if n % 3 == 2:
            onc_seq = self.count(f"tr:{pid}")
            self.add_child("treatments", {
                "_id": _oid(rng), "treatment_id": f"ONC-{pid}-{onc_seq:02d}", "patient_id": pid,
                "episode_id": episode_id, "treatment_type": "Chemotherapy" if n % 2 else "chemotherapy",
                "treatment_date": _ymd(when + timedelta(days=45)), "regimen": "CAPOX", "cycle_number": 1,
                "dose": None, "oncologist": rng.choice(ONCOLOGISTS), "provider_organisation": "RHU",
                "created_at": NOW - timedelta(days=2), "last_modified_at": NOW - timedelta(days=2),
            }, doc, t, in_array=True, kind="chemotherapy")
        if n % 10 == 4:
            dxt_seq = self.count(f"tr:{pid}")
            self.add_child("treatments", {
                "_id": _oid(rng), "treatment_id": f"DXT-{pid}-{dxt_seq:02d}", "patient_id": pid,
                "episode_id": episode_id, "treatment_type": "radiotherapy",
                "treatment_date": _ymd(diag + timedelta(days=10)), "site": "pelvis", "total_dose": "25",
                "fractions": 5, "provider_organisation": "RHU",
                "created_at": NOW - timedelta(days=2), "last_modified_at": NOW - timedelta(days=2),
            }, doc, t, in_array=True, kind="radiotherapy")
        if n % 23 == 11:
            # An id left in the array with no document behind it.
            doc["treatment_ids"].append(f"SUR-{pid}-99")

    def episode_v4(self, pid, patient_key, person, seq):
        rng = self.rng
        n = self.count("v4_episodes")
        site = self.site_for(n + 7)
        diag = person["diagnosis"] + timedelta(days=390 * (seq - 1))
        ref = diag - timedelta(days=rng.randint(5, 30))
        episode_id = f"E-{pid}-{seq:02d}"
        doc = {
            "_id": _oid(rng), "episode_id": episode_id, "patient_id": pid, "condition_type": "cancer",
            "cancer_type": "bowel", "referral_date": _ymd(ref), "referral_type": "Elective",
            "first_seen_date": _ymd(ref + timedelta(days=7)),
            "primary_diagnosis": {"description": SITE_NAMES.get(site, "anal canal").replace("_", " ")},
            "mdt_outcome": {"mdt_discussion_date": _ymd(ref + timedelta(days=14)),
                            "mdt_meeting_type": "Colorectal MDT",
                            "treatment_intent": ["C", "Curative", "Z", "Palliative", "X"][n % 5],
                            "treatment_plan": ["Surgery", "surgery", "Palliative Care"][n % 3]},
            "surgery_performed": True, "status": "completed", "treatment_ids": [], "tumour_ids": [],
            "created_at": NOW - timedelta(days=20), "updated_at": NOW - timedelta(days=20),
        }
        self.out["episodes"].append(doc)
        t = self.episode_truth(doc, patient_key, "v4", dict(person, diagnosis=diag), site, tnm_version=False)
        self.add_child("tumours", {
            "_id": _oid(rng), "tumour_id": f"TUM-{pid}-{seq:02d}", "patient_id": pid, "episode_id": episode_id,
            "tumour_type": "primary", "icd10_code": site.replace(".", "") if n % 2 else site,
            "site": SITE_NAMES.get(site), "diagnosis_date": _ymd(diag),
            "staging": {"t_stage": ["T3", "3", "T4b"][n % 3], "n_stage": ["N0", "0", "N2a"][n % 3],
                        "m_stage": ["M0", "0", "MX"][n % 3]},
            "created_at": NOW - timedelta(days=20), "updated_at": NOW - timedelta(days=20),
        }, doc, t, in_array=True)
        when = diag + timedelta(days=rng.randint(20, 50))
        self.add_child("treatments", {
            "_id": _oid(rng), "treatment_id": f"SUR-{pid}-{seq:02d}", "patient_id": pid, "episode_id": episode_id,
            "treatment_type": "surgery", "treatment_date": _ymd(when),
            "surgery": {"classification": {"primary_procedure": PROCEDURES[IMPORTER_OPCS.get(site, "H33")],
                                           "approach": ["laparoscopic", "open"][n % 2],
                                           "urgency": ["elective", "emergency"][n % 2],
                                           "asa_grade": str(1 + n % 3), "opcs4_code": IMPORTER_OPCS.get(site, "H33")},
                        "outcomes": {"discharge_date": _ymd(when + timedelta(days=5))}},
            "treating_clinician": rng.choice(SURGEONS),
            "created_at": NOW - timedelta(days=20), "updated_at": NOW - timedelta(days=20),
        }, doc, t, in_array=True, kind="surgery")


def build(episodes=2000, seed=1, fernet_key=None):
    """Documents per collection in IMPACT's shapes (see the module docstring).
    With `fernet_key`, the fields IMPACT encrypted hold ENC: ciphertext;
    without, the same fields hold their plaintext."""
    return _Writer(episodes, seed, fernet_key).run()


def expected(result):
    """What adopting `result` must produce:

    episodes: {str(legacy episode _id): {
        patient_key        str(_id) of the legacy patient it belongs to,
        patient_mrn        the MRN of the canonical patient it must link to
                           (None: the patient has no MRN anywhere),
        tumours, treatments  how many children it must show: every child whose
                           episode_id is the E-/EPI- id or the ObjectId string,
                           plus embedded ones, whether or not the id arrays
                           list them (dangling array ids are not children),
        treatment_types    canonical types of those treatments,
        primary_icd10      canonical ICD-10 of its primary tumour,
        diagnosis_date     datetime, or None when the stored one is unreadable,
        export_complete    True when NBOCA can take it: adult at diagnosis,
                           readable birth and diagnosis dates, primary C18-C20,
                           a surgery with an OPCS-4 code, a patient with an MRN,
        incomplete_reasons subset of no_mrn, no_birth_date,
                           unreadable_birth_date, under_18, site_out_of_scope,
                           unreadable_diagnosis_date, no_surgery_opcs, no_tnm_version}}
    patients: {str(legacy patient _id): canonical mrn, nhs_number (10 digits),
               first_name, last_name, date_of_birth, sex, ethnic_category,
               postcode (None where not recorded), dob_problem, writer}
    orphan_treatments: treatment_ids with episode_id null (no episode's child)
    duplicate_mrns: {mrn: [legacy patient keys]} (same person twice)
    unkeyed_patients: legacy patient keys with no MRN in any field
    ambiguous_tumour_ids: tumour_ids that more than one tumour document holds
    writers: patients per writer
    """
    truth = getattr(result, "truth", None)
    if truth is None:
        raise TypeError("expected() needs the value build() returned (it carries the truth).")
    return truth
