"""domain/stored: any stored value read as what it is, and the one rule for
clearing a kept legacy value. Pure: no database, no Flask."""
from datetime import date, datetime

from webapp.domain import codes, labels, stored


def test_dates_are_only_dates():
    assert stored.day(datetime(2024, 1, 3, 10)) == date(2024, 1, 3)
    assert stored.day("2024-01-03") is None and stored.day({"date": "2024-01-03"}) is None
    assert stored.show_date(datetime(2024, 1, 3)) == "03 Jan 2024"
    assert stored.show_date("2024-01-03") == "“2024-01-03” (stored as text, not a date)"
    assert stored.show_date(["2024"]) == "“2024” (stored as a list, not a date)"
    assert stored.show_date(None) == stored.show_date("") == "—"


def test_codes_outside_their_list_are_named():
    assert stored.show_code(codes.REFERRAL_SOURCE, "03") == "GP referral"
    assert stored.show_code(codes.REFERRAL_SOURCE, "2ww") == "legacy value “2ww”: choose a code"
    assert stored.show_code(codes.PERFORMANCE_STATUS, 2) == codes.PERFORMANCE_STATUS["2"]
    assert stored.show_code(codes.EPISODE_STATUS, ["open"]) == "legacy value “open”: choose a code"


def test_yes_no_three_ways():
    assert [stored.yes_no(v) for v in (True, "yes", "False", 0, None, "nan", "9")] == [
        (True, True), (True, True), (False, True), (False, True), (None, True), (None, True), (None, True)]
    assert stored.yes_no("maybe") == (None, False)
    assert stored.show_yes_no("maybe") == "legacy value “maybe”: choose yes, no or not known"


def test_kept_legacy_value_shows_until_a_save_gives_its_field_a_value():
    record = {"care_plan_intent": None, "pathology": {"grade": None},
              "legacy_values": {"care_plan_intent": "curative-ish", "pathology.grade": "g2"}}
    assert stored.show_field(record, "care_plan_intent", codes.CARE_PLAN_INTENT, "code") == (
        "legacy value “curative-ish”: choose a code")
    assert stored.resolved(record, {"care_plan_intent": None}) is None  # left blank: kept
    assert stored.resolved(record, {"pathology": {"grade": "G2"}}) == {"care_plan_intent": "curative-ish"}
    assert stored.resolved(record, {"care_plan_intent": "C", "pathology": {"grade": "G2"}}) == {}
    assert stored.resolved({"legacy_values": "not a dict"}, {"x": 1}) is None


def test_history_reads_in_labels():
    assert labels.readable([("end_date", datetime(2025, 5, 19), None)]) == [("End date", "19 May 2025", "(blank)")]
    assert labels.readable([("readmission_30d", None, False), ("treatment_id", None, "TRT-1")]) == [
        ("Readmitted within 30 days", "(blank)", "No")]
    assert labels.label("legacy_values.pathology.grade") == "Legacy value of grade"
    assert labels.record_name("treatment", {"treatment_type": "surgery",
                                            "treatment_date": datetime(2024, 5, 1)}) == "Surgery on 01 May 2024"
