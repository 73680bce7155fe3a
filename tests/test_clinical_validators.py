"""The pure clinical validation rules and the change list."""
from datetime import date, datetime

import pytest

from webapp.domain import diff, validators


@pytest.mark.parametrize("raw,expected", [("ng7 2uh", "NG7 2UH"), ("SW1A1AA", "SW1A 1AA"), ("M1 1AE", "M1 1AE"),
                                          ("NG7", None), ("12345", None), ("", None)])
def test_postcode(raw, expected):
    assert validators.normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw,expected", [("C18.7", "C18.7"), ("c187", "C18.7"), (" C18.7 ", "C18.7"),
                                          ("C 18.7", "C18.7"), ("C20X", "C20"), ("C20", "C20"), ("c19", "C19"),
                                          ("C21.1", None), ("C18", None), ("C187X", None), ("", None), (None, None)])
def test_icd10_written_another_way(raw, expected):
    from webapp.domain import codes

    assert validators.normalise_icd10(raw, codes.COLORECTAL_SITES) == expected


@pytest.mark.parametrize("raw,expected", [("h07.1", "H071"), ("Y751", "Y751"), ("H07", None), ("1234", None)])
def test_opcs4(raw, expected):
    assert validators.normalise_opcs4(raw) == expected


@pytest.mark.parametrize("raw,expected", [("rx1", "RX1"), ("RX1RA", "RX1RA"), ("RX", None), ("RX1R", None)])
def test_ods(raw, expected):
    assert validators.normalise_ods(raw) == expected


def test_control_characters():
    assert validators.control_characters("plain text") is None
    assert validators.control_characters("a\x00b")
    assert validators.control_characters("line\nbreak")
    assert validators.control_characters("line\nbreak", multiline=True) is None
    assert validators.control_characters("bell\x07", multiline=True)


def test_dates():
    today = date(2025, 6, 1)
    assert validators.not_in_future(date(2025, 6, 2), today)
    assert validators.not_in_future(datetime(2025, 6, 1), today) is None
    assert validators.not_before(date(2025, 1, 1), date(2025, 2, 1), "referral date")
    assert validators.end_not_before_start(date(2025, 2, 1), date(2025, 1, 1))


def test_treatment_before_referral_is_a_warning():
    assert "before the episode's referral date" in validators.treatment_before_referral(
        datetime(2024, 1, 1), datetime(2024, 2, 1))
    assert validators.treatment_before_referral(datetime(2024, 2, 1), datetime(2024, 2, 1)) is None
    assert validators.treatment_before_referral(datetime(2024, 2, 1), None) is None


def test_nodes():
    assert validators.nodes_consistent(10, 11)
    assert validators.nodes_consistent(10, 10) is None
    assert validators.nodes_consistent(None, 3) is None


def test_changes_flatten_nested_and_skip_bookkeeping():
    before = {"_id": 1, "version": 1, "a": 1, "tnm": {"t": "2", "n": "0"}}
    after = {"_id": 1, "version": 2, "a": 1, "tnm": {"t": "3", "n": "0"}, "b": True}
    assert diff.changes(before, after) == [("b", None, True), ("tnm.t", "2", "3")]
    assert diff.changes(None, {"x": 1}) == [("x", None, 1)]


@pytest.mark.parametrize("raw,expected", [(True, True), (False, False), ("Y", True), ("yes", True), (1, True),
                                          ("true", True), ("N", False), (" no ", False), (0, False),
                                          ("9", None), ("unknown", None), (None, None), ("", None)])
def test_yes_no_however_stored(raw, expected):
    assert validators.yes_no(raw) is expected


@pytest.mark.parametrize("raw,expected", [(7, 7), (7.0, 7), ("7", 7), (" 12 ", 12), (7.5, None), ("a week", None),
                                          (True, None), (None, None), ("-3", None)])
def test_whole_number_however_stored(raw, expected):
    assert validators.whole_number(raw) == expected


def test_code_however_written():
    from webapp.domain import codes

    assert codes.find(codes.SURGICAL_ACCESS_TYPE, 5) == "5"
    assert codes.find(codes.SURGICAL_ACCESS_TYPE, "robotic") == "5"
    assert codes.find(codes.TREATMENT_TYPE, "Surgery") == "surgery"
    assert codes.find(codes.TREATMENT_TYPE, "laser") is None and codes.find(codes.TREATMENT_TYPE, True) is None


def test_response_needs_its_date_and_comes_after_the_start():
    assert validators.response_complete(None, None, date(2024, 1, 1)) is None
    assert validators.response_complete("PR", date(2024, 3, 1), date(2024, 1, 1)) is None
    assert validators.response_complete("PR", None, None)[0] == "response_date"
    assert validators.response_complete(None, date(2024, 3, 1), None)[0] == "response"
    assert validators.response_complete("CR", date(2023, 12, 1), datetime(2024, 1, 1)) == (
        "response_date", "The response cannot be assessed before the treatment started.")
