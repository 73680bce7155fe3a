"""Neo-adjuvant before the operation, adjuvant after: the treatments whose
dates contradict their role are named, in plain words."""
from datetime import date, datetime

from webapp.domain.sequence import out_of_order

OPERATION = {"treatment_type": "surgery", "treatment_date": datetime(2024, 4, 2)}


def test_neo_adjuvant_after_and_adjuvant_before_are_named():
    notes = out_of_order([
        OPERATION,
        {"treatment_type": "chemotherapy", "start_date": datetime(2024, 5, 10), "chemo_timing": "neoadjuvant"},
        {"treatment_type": "radiotherapy", "treatment_date": datetime(2024, 3, 1), "adjunctive_therapy": "1"},
    ])
    assert notes == [
        "Chemotherapy starting 10 May 2024 is marked neo-adjuvant but starts after the operation on 02 Apr 2024.",
        "Radiotherapy starting 01 Mar 2024 is marked adjuvant but starts before the operation on 02 Apr 2024.",
    ]


def test_consistent_or_undecidable_orders_say_nothing():
    assert out_of_order([
        OPERATION,
        {"treatment_type": "radiotherapy", "treatment_date": datetime(2024, 2, 1), "adjunctive_therapy": "2"},
        {"treatment_type": "chemotherapy", "start_date": date(2024, 6, 1), "chemo_timing": "adjuvant"},
        {"treatment_type": "chemotherapy", "treatment_date": datetime(2024, 9, 1), "chemo_timing": "palliative"},
        {"treatment_type": "chemotherapy", "treatment_date": None, "adjunctive_therapy": "2"},
        {"treatment_type": "surgery", "treatment_date": datetime(2024, 8, 1), "adjunctive_therapy": "1"},
    ]) == []
    # Without a dated operation there is nothing to be before or after.
    assert out_of_order([{"treatment_type": "chemotherapy", "treatment_date": datetime(2024, 5, 1),
                          "adjunctive_therapy": "2"}]) == []


def test_markings_that_disagree_are_named():
    notes = out_of_order([
        OPERATION,
        {"treatment_type": "chemotherapy", "start_date": datetime(2024, 3, 1), "adjunctive_therapy": "1",
         "chemo_timing": "neoadjuvant"},
    ])
    assert notes == ["Chemotherapy starting 01 Mar 2024 is marked adjuvant (adjunctive therapy) but its timing "
                     "says neo-adjuvant."]


def test_the_resection_counts_not_an_earlier_stoma():
    stoma = {"treatment_type": "surgery", "treatment_date": datetime(2024, 1, 10), "opcs4_primary": "H15.1"}
    resection = {"treatment_type": "surgery", "treatment_date": datetime(2024, 6, 1), "opcs4_primary": "H33.4"}
    neo = {"treatment_type": "radiotherapy", "treatment_date": datetime(2024, 3, 1), "adjunctive_therapy": "2"}
    assert out_of_order([stoma, resection, neo]) == []
    # Without a resection, the first operation is the one.
    assert out_of_order([stoma, neo]) == [
        "Radiotherapy starting 01 Mar 2024 is marked neo-adjuvant but starts after the operation on 10 Jan 2024."]


def test_legacy_forms_are_read():
    notes = out_of_order([
        {"treatment_type": "Surgery", "treatment_date": datetime(2024, 4, 2)},
        {"treatment_type": "Chemotherapy", "treatment_date": datetime(2024, 5, 1), "adjunctive_therapy": "Neoadjuvant"},
    ])
    assert notes == ["Chemotherapy starting 01 May 2024 is marked neo-adjuvant but starts after the operation on "
                     "02 Apr 2024."]
