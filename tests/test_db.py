"""Index declarations: the seed's, exactly, plus the unique ids and the
app's own (the treatments that follow another, for pathways)."""
import pytest
from pymongo.errors import BulkWriteError, DuplicateKeyError

from webapp import db

SEED_TREATMENT_KEYS = [
    [("_id", 1)],
    [("episode_id", 1)], [("patient_id", 1)], [("treatment_type", 1)], [("treatment_date", 1)],
    [("episode_id", 1), ("treatment_date", 1)],
    [("treatment_id", 1)],
]
# Not the seed's: the app's pathway index (sparse: only linked treatments).
APP_TREATMENT_KEYS = [[("follows_treatment_id", 1)]]
SEED_TUMOUR_KEYS = [
    [("_id", 1)],
    [("episode_id", 1)], [("patient_id", 1)], [("tumour_type", 1)], [("diagnosis_date", 1)],
    [("episode_id", 1), ("tumour_id", 1)],
    [("tumour_id", 1)],
]


def _keys(collection):
    return sorted([list(ix["key"].items()) for ix in collection.list_indexes()])


def _unique(collection):
    return {tuple(ix["key"]) for ix in collection.list_indexes() if ix.get("unique")}


def test_db_init_twice_gives_exactly_the_seed_indexes(runner, database):
    for _ in range(2):
        result = runner.invoke(args=["db", "init"])
        assert result.exit_code == 0, result.output
    assert _keys(database.treatments) == sorted(SEED_TREATMENT_KEYS + APP_TREATMENT_KEYS)
    assert next(ix for ix in database.treatments.list_indexes() if "follows_treatment_id" in ix["key"])["sparse"]
    assert _keys(database.tumours) == sorted(SEED_TUMOUR_KEYS)
    assert _unique(database.treatments) == {("treatment_id",)}
    assert _unique(database.tumours) == {("tumour_id",)}


def test_patients_and_users_unique_indexes(database):
    assert ("mrn",) in _unique(database.patients)
    assert ("nhs_number",) in _unique(database.patients)
    assert ("username",) in _unique(database.users)
    # Two patients without an NHS number are allowed; two with the same are not.
    database.patients.insert_many([{"mrn": "A1", "nhs_number": None}, {"mrn": "A2", "nhs_number": None}])
    database.patients.insert_one({"mrn": "A3", "nhs_number": "9990000018"})
    with pytest.raises(DuplicateKeyError):
        database.patients.insert_one({"mrn": "A4", "nhs_number": "9990000018"})


def test_collection_helpers_name_the_contract_collections(app):
    with app.app_context():
        assert db.get_treatments_collection().name == "treatments"
        assert db.get_tumours_collection().name == "tumours"
        assert db.collection(db.EPISODES).name == "episodes"
        assert db.collection(db.PATIENTS).name == "patients"
        assert db.collection(db.USERS).name == "users"
        assert db.collection(db.AUDIT_LOG).name == "audit_log"
        assert db.collection(db.MIGRATIONS).name == "migrations"


def test_db_init_replaces_an_index_declared_anew_and_reports_duplicates(runner, database):
    """A database made by an earlier version has a plain unique MRN index;
    a legacy one has MRNs that repeat. db init never answers a traceback."""
    database.patients.drop_indexes()
    database.patients.create_index("mrn", unique=True)
    with pytest.raises(BulkWriteError):  # the old index refuses a second null
        database.patients.insert_many([{"mrn": None}, {"first_name": "No MRN"}])
    result = runner.invoke(args=["db", "init"])
    assert result.exit_code == 0, result.output
    database.patients.insert_many([{"first_name": "Also none"}, {"mrn": None}])  # partial now: nulls are fine
    database.patients.drop_indexes()
    database.patients.insert_many([{"mrn": "A1"}, {"mrn": "A1"}, {"mrn": "B2"}])
    result = runner.invoke(args=["db", "init"])
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "not created yet: patients.mrn_1" in result.output and "'mrn': 'A1'} is held by 2 documents" in result.output


def test_a_refused_unique_index_leaves_an_indexed_lookup_until_it_can_be_made(database):
    """IMPACT reused tumour ids, so the unique index waits for the adopt
    step; meanwhile reads by id still go through an index (a migration
    looks ids up batch by batch: a scan each time would be quadratic)."""
    database.tumours.drop_indexes()
    database.tumours.insert_many([{"tumour_id": "TUM-1"}, {"tumour_id": "TUM-1"}, {"tumour_id": "TUM-2"}])
    refused = db.init_indexes(database)
    assert [r["index"] for r in refused if r["collection"] == "tumours"] == ["tumour_id_1"]
    indexes = database.tumours.index_information()
    assert "tumour_id_1" not in indexes and indexes["tumour_id_1_lookup"]["key"] == [("tumour_id", 1), ("_id", 1)]
    plan = database.tumours.find({"tumour_id": {"$in": ["TUM-1"]}}).explain()
    assert "IXSCAN" in str(plan) and "tumour_id_1_lookup" in str(plan)
    database.tumours.delete_one({"tumour_id": "TUM-1"})
    assert not [r for r in db.init_indexes(database) if r["collection"] == "tumours"]
    indexes = database.tumours.index_information()
    assert indexes["tumour_id_1"]["unique"] and "tumour_id_1_lookup" not in indexes
