"""The store checks a treatment's pathway link again when it writes, on the
stored treatments and inside the write's transaction: a write that
bypasses the form (a script, a stale form) or that races another edit
cannot store a link to another patient, a circle or an impossible order."""
import threading
from datetime import datetime

import pytest

from tests.clinical_data import ACTOR, chemo_fields, make_episode, make_patient, surgery_fields
from webapp.store import records, treatments


@pytest.fixture
def operated(database):
    patient = make_patient()
    episode = make_episode(patient)
    operation = treatments.add(episode, surgery_fields(datetime(2024, 3, 1)), ACTOR)
    other = make_episode(make_patient("MRN0000002", index=1))
    elsewhere = treatments.add(other, surgery_fields(datetime(2024, 3, 1)), ACTOR)
    return {"episode": episode, "operation": operation, "elsewhere": elsewhere}


def _nothing_written(database, before):
    assert database.treatments.count_documents({}) == before["treatments"]
    assert database.audit_log.count_documents({}) == before["audit"]


def _counts(database):
    return {"treatments": database.treatments.count_documents({}), "audit": database.audit_log.count_documents({})}


def test_a_sound_link_is_stored(database, operated):
    added = treatments.add(operated["episode"], chemo_fields(
        datetime(2024, 4, 1), follows_treatment_id=operated["operation"]["treatment_id"]), ACTOR)
    assert database.treatments.find_one({"treatment_id": added["treatment_id"]})["follows_treatment_id"] == \
        operated["operation"]["treatment_id"]


@pytest.mark.parametrize("target,field,message", [
    ("elsewhere", "follows_treatment_id", "another patient's"),
    ("nosuch", "follows_treatment_id", "Choose one of this patient's treatments"),
    ("operation-early", "treatment_date", "dated before the one it follows"),
])
def test_a_bad_link_is_refused_and_nothing_written(database, operated, target, field, message):
    ids = {"elsewhere": operated["elsewhere"]["treatment_id"], "nosuch": "TRT-NOSUCH",
           "operation-early": operated["operation"]["treatment_id"]}
    when = datetime(2024, 2, 1) if target == "operation-early" else datetime(2024, 4, 1)
    before = _counts(database)
    with pytest.raises(records.Invalid) as refused:
        treatments.add(operated["episode"], chemo_fields(when, follows_treatment_id=ids[target]), ACTOR)
    assert message in refused.value.problems[field]
    _nothing_written(database, before)


def test_a_neo_adjuvant_treatment_after_its_operation_is_refused(database, operated):
    with pytest.raises(records.Invalid) as refused:
        treatments.add(operated["episode"], chemo_fields(
            datetime(2024, 4, 1), adjunctive_therapy="2", chemo_timing=None,
            follows_treatment_id=operated["operation"]["treatment_id"]), ACTOR)
    assert "comes before the operation" in refused.value.problems["treatment_date"]


def test_an_update_that_makes_a_circle_is_refused(database, operated):
    op = operated["operation"]
    reoperation = treatments.add(operated["episode"], surgery_fields(
        datetime(2024, 3, 3), follows_treatment_id=op["treatment_id"]), ACTOR)
    with pytest.raises(records.Invalid) as refused:
        treatments.update(operated["episode"], op["treatment_id"],
                          surgery_fields(datetime(2024, 3, 1), follows_treatment_id=reoperation["treatment_id"]),
                          1, ACTOR)
    assert "circle" in refused.value.problems["follows_treatment_id"]
    stored = database.treatments.find_one({"treatment_id": op["treatment_id"]})
    assert "follows_treatment_id" not in stored and stored["version"] == 1
    # A date moved before the operation it follows, with the link kept: refused too.
    with pytest.raises(records.Invalid):
        treatments.update(operated["episode"], reoperation["treatment_id"], surgery_fields(
            datetime(2024, 2, 1), follows_treatment_id=op["treatment_id"]), 1, ACTOR)


def test_a_stale_version_is_a_conflict_before_any_rule(database, operated):
    op = operated["operation"]
    with pytest.raises(records.Conflict):
        treatments.update(operated["episode"], op["treatment_id"],
                          surgery_fields(follows_treatment_id="TRT-NOSUCH"), 5, ACTOR)


def test_an_edit_of_the_treatment_others_follow_keeps_their_links_sound(database, operated):
    op = operated["operation"]["treatment_id"]
    chemo = treatments.add(operated["episode"], chemo_fields(datetime(2024, 4, 1), follows_treatment_id=op), ACTOR)
    before = _counts(database)
    # The operation moved after the adjuvant chemotherapy that follows it: refused, on the operation's form.
    with pytest.raises(records.Invalid) as refused:
        treatments.update(operated["episode"], op, surgery_fields(datetime(2024, 5, 1)), 1, ACTOR)
    assert refused.value.problems == {"treatment_date": f"Chemotherapy on 01 Apr 2024 ({chemo['treatment_id']}) "
                                                      "follows this treatment: this one cannot be dated after it. "
                                                      "Change or unlink that treatment first."}
    _nothing_written(database, before)
    assert database.treatments.find_one({"treatment_id": op})["treatment_date"] == datetime(2024, 3, 1)
    # The chemotherapy saved again without its link: the link goes, and the operation may move.
    treatments.update(operated["episode"], chemo["treatment_id"], chemo_fields(datetime(2024, 4, 1)), 1, ACTOR)
    assert "follows_treatment_id" not in database.treatments.find_one({"treatment_id": chemo["treatment_id"]})
    treatments.update(operated["episode"], op, surgery_fields(datetime(2024, 5, 1)), 1, ACTOR)


def test_an_operation_with_neoadjuvant_treatment_stays_an_operation_before_it(database, operated):
    op = operated["operation"]["treatment_id"]
    radio = treatments.add(operated["episode"], chemo_fields(datetime(2024, 1, 10), follows_treatment_id=op,
                                                             adjunctive_therapy="2", chemo_timing="neoadjuvant"),
                           ACTOR)
    with pytest.raises(records.Invalid) as earlier:
        treatments.update(operated["episode"], op, surgery_fields(datetime(2024, 1, 1)), 1, ACTOR)
    assert earlier.value.problems["treatment_date"].startswith(f"Chemotherapy on 10 Jan 2024 ({radio['treatment_id']})"
                                                             " belongs with this treatment: this one cannot be "
                                                             "dated before it.")
    with pytest.raises(records.Invalid) as retyped:
        treatments.update(operated["episode"], op, chemo_fields(datetime(2024, 3, 1)), 1, ACTOR)
    assert "is the neo-adjuvant treatment of this operation: it must stay an operation" in \
        retyped.value.problems["treatment_type"]


def test_a_treatment_others_follow_is_not_deleted_until_they_are_unlinked(database, operated):
    op = operated["operation"]["treatment_id"]
    chemo = treatments.add(operated["episode"], chemo_fields(datetime(2024, 4, 1), follows_treatment_id=op), ACTOR)
    before = _counts(database)
    with pytest.raises(records.Invalid) as refused:
        treatments.delete(operated["episode"], op, 1, ACTOR)
    assert refused.value.problems == {"delete": f"Chemotherapy on 01 Apr 2024 ({chemo['treatment_id']}) follows "
                                                "this treatment in its pathway: change or unlink that treatment "
                                                "first. Nothing was deleted."}
    _nothing_written(database, before)
    treatments.update(operated["episode"], chemo["treatment_id"], chemo_fields(datetime(2024, 4, 1)), 1, ACTOR)
    treatments.delete(operated["episode"], op, 1, ACTOR)
    assert database.treatments.find_one({"treatment_id": op}) is None


def test_two_links_written_at_once_cannot_make_a_circle(database, operated, monkeypatch):
    """Each write reads the other treatment before either commits (held at
    a barrier, which gives up after a second): were the checks not in
    transactions that meet, both would pass and commit a circle. As it
    is, one waits its turn, sees the other's link, and is refused."""
    op = operated["operation"]
    second = treatments.add(operated["episode"], surgery_fields(datetime(2024, 3, 1), opcs4_primary="H072"), ACTOR)
    real = treatments.link_target
    barrier = threading.Barrier(2, timeout=1)

    def held(treatment_id, session=None):
        found = real(treatment_id, session)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other write is held up by ours: go on alone
        return found

    monkeypatch.setattr(treatments, "link_target", held)
    outcomes = {}

    def write(name, own, target):
        try:
            treatments.update(operated["episode"], own["treatment_id"], surgery_fields(
                datetime(2024, 3, 1), opcs4_primary=own["opcs4_primary"],
                follows_treatment_id=target["treatment_id"]), 1, ACTOR)
            outcomes[name] = "saved"
        except records.Invalid as exc:
            outcomes[name] = exc.problems

    threads = [threading.Thread(target=write, args=("a", op, second)),
               threading.Thread(target=write, args=("b", second, op))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(str(v) for v in outcomes.values()).count("saved") == 1, outcomes
    links = {t["treatment_id"]: t.get("follows_treatment_id") for t in database.treatments.find(
        {"treatment_id": {"$in": [op["treatment_id"], second["treatment_id"]]}})}
    assert list(links.values()).count(None) == 1, links


def test_a_patient_id_that_is_not_text_offers_no_treatments(app, database):
    """Read as a query operator it would list every patient's treatments."""
    from webapp.store import treatments as store

    with app.app_context():
        database.treatments.insert_one({"treatment_id": "TRT-X", "patient_id": "MRN0000001"})
        assert store.of_patient({"$ne": None}) == [] and store.of_patient(["MRN0000001"]) == []
