"""The adopt step's mapping of one document (pure): nothing it cannot use is
dropped, and nothing it cannot read is guessed."""
from webapp.domain import legacy_crypto
from webapp.migration import mapping, profile

KEY = legacy_crypto.derive_key(b"mapping-test-key-file-text==========", bytes(range(16)))


def adopt(collection, doc, key=KEY):
    findings = mapping.Findings()
    return mapping.Mapper(profile.load("impact"), key).adopt(collection, doc, findings), findings


def test_a_second_identifier_beside_the_one_chosen_stays_where_it_was():
    out, findings = adopt("patients", {"_id": 1, "mrn": "AB123", "hospital_number": "ZZ999"})
    assert out["mrn"] == "AB123" and out["hospital_number"] == "ZZ999"
    assert findings.unmapped_fields[("patients", "hospital_number")] == 1


def test_a_list_on_a_path_read_for_one_value_is_kept():
    out, _ = adopt("treatments", {"_id": 1, "treatment_id": "T-1", "surgeon": ["A", "B"],
                                  "consultant_surgeon": "C"})
    assert out["consultant_surgeon"] == "C" and out["surgeon"] == ["A", "B"]


def test_a_sub_document_left_under_a_field_is_kept_beside_an_unreadable_value():
    out, findings = adopt("episodes", {"_id": 1, "mdt_outcome": {
        "mdt_meeting_type": "Colorectal MDT", "treatment_plan": "Surgery + Chemotherapy"}})
    assert out["legacy_values"]["mdt_outcome"] == "Surgery + Chemotherapy"
    assert out["legacy_values"]["mdt_outcome.kept"] == {"mdt_meeting_type": "Colorectal MDT"}
    assert findings.unmapped_values[("episodes", "mdt_outcome", "Surgery + Chemotherapy")] == 1


def test_a_damaged_ciphertext_is_kept_as_unreadable_not_a_crash():
    good = legacy_crypto.encrypt("9990079196", KEY)
    out, findings = adopt("patients", {"_id": 1, "mrn": "AB123", "nhs_number": good[:-6] + "AAAAAA"})
    assert out["legacy_values"]["nhs_number"].startswith("ENC:") and "nhs_number" not in out
    assert out["mrn"] == "AB123"
    out, _ = adopt("patients", {"_id": 1, "mrn": "AB123", "nhs_number": good})
    assert out["nhs_number"] == "9990079196"


def test_fields_this_app_writes_are_never_reported_unmapped():
    from datetime import datetime

    out, findings = adopt("treatments", {"_id": 1, "treatment_id": "TRT-1", "treatment_type": "chemotherapy",
                                         "treatment_date": datetime(2024, 3, 1), "regimen": "CAPOX", "cycles": 8,
                                         "protocol_template": "CAPOX 8 cycles (adjuvant)",
                                         "follows_treatment_id": "TRT-0"})
    assert out["protocol_template"] == "CAPOX 8 cycles (adjuvant)"
    assert not findings.unmapped_fields and not findings.unmapped_values
