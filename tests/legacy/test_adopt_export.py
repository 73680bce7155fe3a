"""The NBOCA export of an adopted IMPACT database (issue 9): every primary
colorectal tumour diagnosed in the period is either sent, or listed with its
reason (left out, passed over for a code written oddly, or not selectable
because its date is not a date); none is silently dropped, and every episode
whose data are complete is sent."""
from datetime import date

from tests.legacy.test_adopt import _adopted, legacy_data, loaded  # noqa: F401  (fixtures)
from webapp.domain import codes
from webapp.export import service

PERIOD = (date(2000, 1, 1), date(2099, 12, 31))


def test_the_export_sends_every_complete_record_and_lists_every_other(app, runner, loaded):  # noqa: F811
    store, _, truth = loaded
    _adopted(runner, store)
    with app.app_context():
        wanted = service.Request("10", *PERIOD)
        export = service.prepare(wanted, write=False)
        near, undated = service.near_misses(wanted), service.undated(wanted)
    left = {row["tumour_id"]: row["reasons"] for row in export.left_out}
    listed = {row["tumour_id"] for row in [*near, *undated]} | {row["tumour_id"] for row in export.other_version}
    assert all(left.values()), "a record left out without a reason"
    assert export.exported > 0 and export.exported + len(export.left_out) == export.in_scope

    # Nothing silently dropped: every primary colorectal tumour with a date
    # is in scope (sent or left out with reasons) or counted as a child's;
    # every one without a readable date or code is listed as not selected.
    dated = {"tumour_type": "primary", "icd10_code": {"$in": list(codes.COLORECTAL_SITES)},
             "diagnosis_date": {"$type": "date"}}
    assert store.tumours.count_documents(dated) == export.in_scope + export.minors
    for tumour in store.tumours.find({"tumour_type": "primary", "$or": [
            {"diagnosis_date": {"$not": {"$type": "date"}}}, {"icd10_code": {"$nin": list(codes.ICD10_SITES)}}]}):
        code = tumour.get("icd10_code") or tumour.get("legacy_values", {}).get("icd10_code", "")
        if str(code).startswith("C21"):
            continue  # anal: outside NBOCA's population
        assert tumour["tumour_id"] in listed, tumour

    # The same person registered twice is one MRN on two records, which a
    # person merges (adopt lists them): the export reads the record keeping it.
    twice = {key for keys in truth["duplicate_mrns"].values() for key in keys}
    for episode_id, expected in truth["episodes"].items():
        if not expected["export_complete"] or expected["patient_key"] in twice:
            continue
        for tumour in store.tumours.find({"episode_id": episode_id, "tumour_type": "primary"}, {"tumour_id": 1}):
            assert tumour["tumour_id"] not in left and tumour["tumour_id"] not in listed, (
                episode_id, left.get(tumour["tumour_id"]))
