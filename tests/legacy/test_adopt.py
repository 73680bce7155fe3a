"""Taking over a database in the shapes IMPACT wrote (issue 9): db init,
dry run (writes nothing, lists what it cannot map), run (both steps), verify,
every patient page lists its episodes, every episode page, fragment and
form answers, the validator refuses a string date, rollback gives back the
very bytes, and a second run is a no-op."""
import bson
import pytest
from pymongo.errors import WriteError

from tests import whole_database
from tests.legacy import impact_shapes
from webapp import db
from webapp.domain import legacy_crypto
from webapp.migration import schema

KEY = legacy_crypto.derive_key(b"adopt-test-key-file-text============", bytes(range(16, 32)))
CLINICAL = ("patients", "episodes", "tumours", "treatments")


@pytest.fixture(scope="module")
def legacy_data():
    built = impact_shapes.build(episodes=240, seed=4, fernet_key=KEY)
    return built, impact_shapes.expected(built)


@pytest.fixture
def loaded(app, mongo_uri, db_name, legacy_data):
    built, truth = legacy_data
    store = db.client_for(mongo_uri)[db_name]
    for name in CLINICAL:
        store[name].drop()  # the app fixture made the indexes of a new database; this one is IMPACT's
        store[name].insert_many(built[name])
    app.config["LEGACY_FERNET_KEY"] = KEY.decode()
    return store, built, truth


def snapshot(store):
    # Everything, the run log (`migrations`), the lease, indexes and options
    # included: what is refused, and a dry run, write nothing at all.
    return whole_database.snapshot(store)


def run_cli(runner, *args):
    result = runner.invoke(args=["migration", *args])
    return result.exit_code, result.output


def test_db_init_on_the_legacy_database_reports_and_never_fails(runner, loaded):
    result = runner.invoke(args=["db", "init"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output


def test_dry_run_writes_nothing_and_lists_what_it_cannot_map(runner, loaded):
    store, _, _ = loaded
    runner.invoke(args=["db", "init"])
    before = snapshot(store)
    code, output = run_cli(runner, "run", "--dry-run", "--profile", "impact")
    assert code == 0, output
    after = snapshot(store)
    assert after == before, whole_database.differences(before, after)
    assert "unmapped:" in output and "value episodes.referral_source = '2ww'" in output
    assert "value tumours.snomed_morphology_code = 'adenocarcinoma'" in output
    assert "not linked:" in output and "it names no episode" in output  # the importer's orphans


def test_dry_run_without_the_key_lists_the_patients_needing_it(app, runner, loaded):
    store, _, _ = loaded
    app.config["LEGACY_FERNET_KEY"] = ""
    before = snapshot(store)
    code, output = run_cli(runner, "run", "--dry-run", "--profile", "impact")
    assert code == 0, output
    assert snapshot(store) == before
    assert "patients needing the decryption key:" in output


def test_unknown_profile_and_unreadable_key_files_are_refused_before_anything(app, runner, loaded, tmp_path):
    store, _, _ = loaded
    before = snapshot(store)
    code, output = run_cli(runner, "run", "--yes", "--profile", "nonesuch")
    assert code != 0 and "nonesuch" in output
    app.config.update(LEGACY_FERNET_KEY="", LEGACY_KEY_FILE=str(tmp_path / "missing-key"),
                      LEGACY_SALT_FILE=str(tmp_path / "missing-salt"))
    code, output = run_cli(runner, "run", "--yes", "--profile", "impact")
    assert code != 0 and "cannot read the legacy key" in output and "Nothing was changed" in output
    assert snapshot(store) == before


def test_the_key_derived_from_impacts_own_files(app, runner, loaded, tmp_path):
    store, _, truth = loaded
    (tmp_path / "key").write_bytes(b"adopt-test-key-file-text============")
    (tmp_path / "salt").write_bytes(bytes(range(16, 32)))
    app.config.update(LEGACY_FERNET_KEY="", LEGACY_KEY_FILE=str(tmp_path / "key"),
                      LEGACY_SALT_FILE=str(tmp_path / "salt"))
    code, output = run_cli(runner, "run", "--yes", "--profile", "impact")
    assert code == 0, output
    assert "patients needing the decryption key" not in output
    for key, patient in truth["patients"].items():
        if patient["nhs_number"]:
            stored = store.patients.find_one({"_id": bson.ObjectId(key)})
            assert not legacy_crypto.is_encrypted(stored.get("nhs_number")), key


def _adopted(runner, store):
    runner.invoke(args=["db", "init"])
    code, output = run_cli(runner, "run", "--yes", "--profile", "impact")
    assert code == 0, output
    return output


def test_run_links_every_patient_to_its_episodes(client, auth, runner, loaded):
    store, _, truth = loaded
    _adopted(runner, store)
    code, output = run_cli(runner, "verify")
    assert code == 0, output
    auth.login("clinician")
    by_patient = {}
    for episode_id, expected in truth["episodes"].items():
        by_patient.setdefault(expected["patient_key"], []).append(episode_id)
    for patient_key, episode_ids in by_patient.items():
        page = client.get(f"/patients/{patient_key}").get_data(as_text=True)
        for episode_id in episode_ids:
            assert f"/episodes/{episode_id}" in page, (patient_key, episode_id)
    for key, expected in truth["patients"].items():
        stored = store.patients.find_one({"_id": bson.ObjectId(key)})
        assert not any(legacy_crypto.is_encrypted(v) for v in stored.values()), key
        if expected["mrn"] and stored.get("mrn"):
            assert stored["mrn"] == expected["mrn"]


def test_every_episode_shows_its_records_and_every_form_opens(client, auth, runner, loaded):
    store, _, truth = loaded
    _adopted(runner, store)
    auth.login("clinician")
    for episode_id, expected in truth["episodes"].items():
        assert store.tumours.count_documents({"episode_id": episode_id}) == expected["tumours"], episode_id
        assert store.treatments.count_documents({"episode_id": episode_id}) == expected["treatments"], episode_id
        for path in ("", "/tumours", "/treatments", "/edit", "/history"):
            response = client.get(f"/episodes/{episode_id}{path}")
            assert response.status_code == 200, (episode_id, path)
        for kind, id_field in (("tumours", "tumour_id"), ("treatments", "treatment_id")):
            for record in store[kind].find({"episode_id": episode_id}, {id_field: 1}):
                response = client.get(f"/episodes/{episode_id}/{kind}/{record[id_field]}/edit")
                assert response.status_code in (200, 404), (episode_id, kind, record[id_field])


def test_the_validator_refuses_a_string_date_after_adoption(runner, loaded):
    store, _, _ = loaded
    _adopted(runner, store)
    assert set(db.validators_on(store)) >= set(CLINICAL)
    episode = store.episodes.find_one()
    with pytest.raises(WriteError):
        store.episodes.update_one({"_id": episode["_id"]}, {"$set": {"referral_date": "2024-01-03"}})
    with pytest.raises(WriteError):
        store.treatments.insert_one({"treatment_id": "TRT-STRINGDATE", "treatment_date": "2024-01-03"})


def test_a_second_run_is_a_no_op(runner, loaded):
    store, _, _ = loaded
    _adopted(runner, store)
    assert schema.version(store) == 2 and [e["step"] for e in schema.applied(store)] == ["collections", "adopt"]
    before = snapshot(store)
    code, output = run_cli(runner, "run", "--yes", "--profile", "impact")
    assert code == 0 and "Nothing to do" in output
    assert snapshot(store) == before


def test_rollback_gives_back_the_very_bytes(runner, loaded):
    store, built, _ = loaded
    original = {name: sorted(bson.encode(d) for d in built[name]) for name in CLINICAL}
    _adopted(runner, store)
    code, output = run_cli(runner, "rollback", "--yes")
    assert code == 0, output
    code, output = run_cli(runner, "verify")
    assert code == 0, output
    # Episodes (with their embedded arrays back), and the documents that
    # were in the collections before, as BSON, key order included.
    assert {name: sorted(bson.encode(d) for d in store[name].find()) for name in CLINICAL} == original
    assert schema.version(store) == 0 and db.validators_on(store) == []


def test_a_document_edited_since_keeps_its_original_through_the_rollback(runner, loaded):
    store, _, _ = loaded
    _adopted(runner, store)
    patient = store.patients.find_one({"mrn": {"$type": "string"}})
    store.patients.update_one({"_id": patient["_id"]}, {"$set": {"first_name": "Edited", "version": 2}})
    code, output = run_cli(runner, "rollback", "--yes")
    assert "changed through the app since it was adopted" in output, output
    assert store.patients.find_one({"_id": patient["_id"]})["first_name"] == "Edited"  # left as it is
    kept = store[db.MIGRATION_ADOPTED].find_one({"doc_id": patient["_id"]})
    assert kept is not None and kept["original"]["_id"] == patient["_id"]  # not lost


def test_an_adopt_run_that_failed_is_rolled_back_all_the_same(app, runner, loaded):
    """A killed or failed adopt run is not recorded as applied, yet it
    changed documents: the rollback puts their originals back first."""
    from webapp.migration import adopt, profile, steps

    store, built, _ = loaded
    runner.invoke(args=["db", "init"])
    with app.app_context():
        assert steps.STEPS[0].run(batch_size=50, owner="test")["state"] == "completed"
        # One batch of episodes adopted, as by a run killed after it.
        adoption = adopt.Adoption(store, None, profile.load("impact"), KEY, False, 50)
        adoption.learn_patients([])
        batch, _ = next(adoption.batches("episodes", []))
        mapped = [(d, adoption.adopt_one("episodes", d, d)) for d in batch]
        adoption.write("episodes", [(d, a) for d, a in mapped if a is not None and not adopt._same(a, d)])
    assert store[db.MIGRATION_ADOPTED].count_documents({}) > 0 and schema.version(store) == 1
    code, output = run_cli(runner, "rollback", "--yes")
    assert code == 0, output
    original = {name: sorted(bson.encode(d) for d in built[name]) for name in CLINICAL}
    assert {name: sorted(bson.encode(d) for d in store[name].find()) for name in CLINICAL} == original
    assert store[db.MIGRATION_ADOPTED].count_documents({}) == 0
