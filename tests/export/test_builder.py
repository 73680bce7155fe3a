"""The COSD file's structure: namespace per version, header counts, one
record per in-scope tumour, treatments from their own collection with COSD
codes, and the scope rules."""
from datetime import date

import pytest

from tests.export import dataset
from tests.export.conftest import export_bytes, parse_valid
from webapp.export import record, versions


def records(doc):
    return doc.findall("ColorectalRecord")


@pytest.mark.parametrize("version", ["9", "10"])
def test_namespace_header_and_one_record_per_in_scope_tumour(app, golden_data, version):
    data, export = export_bytes(app, version)
    doc = parse_valid(data, version)
    assert doc.tag == "{%s}COSD" % versions.get(version)["namespace"]
    assert doc.prefix == "COSD"
    # Only the root is qualified.
    assert all(el.tag.startswith("{") is False for el in doc.iterdescendants())
    assert [el.tag for el in doc][:6] == ["Id", "OrganisationIdentifierCodeOfSubmittingOrganisation", "RecordCount",
                                          "ReportingPeriodStartDate", "ReportingPeriodEndDate", "FileCreationDateTime"]
    # v9 takes diagnoses up to June 2024 only: TUM-0003 (31 Dec 2024) goes in the v10 file.
    sent = ("TUM-0001", "TUM-0002") if version == "9" else ("TUM-0001", "TUM-0002", "TUM-0003")
    assert doc.find("RecordCount").get("value") == str(len(records(doc))) == str(len(sent))
    assert doc.findtext("ReportingPeriodStartDate") == dataset.START
    assert doc.findtext("FileCreationDateTime") == "2026-01-02T03:04:05"
    ids = [r.find("Id").get("root") for r in records(doc)]
    assert ids == [record.record_id(t) for t in sent]
    assert export.in_scope == 3 and export.exported == len(sent) and export.left_out == [] and export.minors == 1
    assert [r["tumour_id"] for r in export.other_version] == (["TUM-0003"] if version == "9" else [])


def test_out_of_scope_tumours_absent(app, golden_data):
    data, _ = export_bytes(app, 10)
    doc = parse_valid(data, 10)
    mrns = {r.findtext("LinkagePatientId/LocalPatientIdentifier") for r in records(doc)}
    # C21 (4), under 18 (5), diagnosed the day before / after the period (6, 7).
    assert mrns == {"MRN0001", "MRN0002", "MRN0003"}
    icd = [r.find("PrimaryPathway/LinkageDiagnosticDetails/PrimaryDiagnosisIcd").get("code") for r in records(doc)]
    assert icd == ["C187", "C20X", "C19X"]
    # The metastasis in MRN0001's episode is not a record of its own.
    assert len(records(doc)) == 3


def test_period_ends_inclusive_and_provider_filter(app, golden_data):
    data, export = export_bytes(app, 10, provider="RTH")
    doc = parse_valid(data, 10)
    assert [r.findtext("LinkagePatientId/LocalPatientIdentifier") for r in records(doc)] == ["MRN0003"]
    assert doc.find("OrganisationIdentifierCodeOfSubmittingOrganisation").get("extension") == "RTH"
    assert "RTH" in export.filename and "v10" in export.filename and "2024-01-01" in export.filename


def test_treatments_from_the_treatments_collection_with_cosd_codes(app, golden_data):
    data, _ = export_bytes(app, 9)
    first = records(parse_valid(data, 9))[0]
    treatments = first.findall("Treatment")
    # Ordered by start date: radiotherapy 25 Mar, surgery 2 Apr, chemo 10 May.
    assert [t.find("CancerTreatmentModalityRegistration").get("code") for t in treatments] == ["05", "01", "02"]
    surgery = treatments[1].find("Surgery")
    assert surgery.find("SurgicalAccessType").get("code") == "5"  # robotic
    assert surgery.find("SurgicalAccessType").text is None
    assert surgery.find("PrimaryProcedureOpcs").get("code") == "H101"
    assert surgery.find("ProcedureOpcs").get("code") == "Y751"
    assert surgery.find("SurgicalAdmissionType").get("code") == "1"
    assert surgery.find("AsaScore").get("code") == "2"
    assert surgery.find("UnplannedReturnToTheatreIndicator").get("code") == "N"
    assert surgery.findtext("ProcedureDate") == "2024-04-02"
    assert treatments[2].find("AdjunctiveTherapy").get("code") == "1"
    assert treatments[1].find("DischargeDestinationHospitalProviderSpell").get("code") == "19"
    # Identifiers as attributes, codes as @code, dates as text, TNM without the letter.
    assert first.find("LinkagePatientId/NhsNumber").get("extension") == "9990000018"
    assert first.find("LinkagePatientId/NhsNumberStatusIndicatorCode").get("code") == "01"
    assert first.findtext("LinkagePatientId/PersonBirthDate") == "1950-05-01"
    assert first.findtext("PrimaryPathway/Staging/TCategoryFinalPretreatment") == "3"
    assert first.findtext("PrimaryPathway/Staging/NCategoryIntegratedStage") == "1b"


def test_legacy_capitalised_treatment_types_export_as_their_modality(app, database, golden_data):
    """The export reads the type through the domain's canonical_type: "Surgery"
    is an operation (with its Surgery group), "Chemotherapy" is modality 02."""
    database.treatments.update_many({"treatment_type": "surgery"}, {"$set": {"treatment_type": "Surgery"}})
    database.treatments.update_many({"treatment_type": "chemotherapy"}, {"$set": {"treatment_type": "Chemotherapy"}})
    data, export = export_bytes(app, 9)
    treatments = records(parse_valid(data, 9))[0].findall("Treatment")
    assert [t.find("CancerTreatmentModalityRegistration").get("code") for t in treatments] == ["05", "01", "02"]
    assert treatments[1].find("Surgery/PrimaryProcedureOpcs").get("code") == "H101"
    assert export.left_out == []


def test_v10_uses_the_renamed_discharge_destination(app, golden_data):
    data, _ = export_bytes(app, 10)
    doc = parse_valid(data, 10)
    surgery_treatment = records(doc)[0].findall("Treatment")[1]
    assert surgery_treatment.find("DestinationOfDischargeHospitalProviderSpell").get("code") == "19"
    assert surgery_treatment.find("DischargeDestinationHospitalProviderSpell") is None


def test_patient_without_nhs_number_is_identified_by_mrn(app, golden_data):
    data, _ = export_bytes(app, 9)
    second = records(parse_valid(data, 9))[1]
    linkage = second.find("LinkagePatientId")
    assert linkage.find("NhsNumber") is None
    assert linkage.findtext("LocalPatientIdentifier") == "MRN0002"
    assert linkage.find("NhsNumberStatusIndicatorCode").get("code") == "03"


def test_record_missing_a_mandatory_item_is_left_out_with_reason(app, database, golden_data):
    ep = dataset.episode(8, "MRN0008")
    database.patients.insert_one(dataset.patient(8, "MRN0008", "9990000077", dataset.datetime(1950, 1, 1),
                                                 nhs_number_status=None))
    database.episodes.insert_one(ep)
    database.tumours.insert_one(dataset.tumour(8, ep, "C18.4", dataset.datetime(2024, 8, 8)))
    data, export = export_bytes(app, 10)
    doc = parse_valid(data, 10)  # the rest of the file stays valid
    assert len(records(doc)) == 3 and doc.find("RecordCount").get("value") == "3"
    assert export.in_scope == 4 and export.exported == 3
    [left] = export.left_out
    assert left["tumour_id"] == "TUM-0008" and left["episode_id"] == str(ep["_id"])
    assert left["reasons"] == ["NHS number status (CR1350) is missing"]


def test_a_treatment_missing_a_mandatory_item_is_left_out_not_its_record(app, database, golden_data):
    ep = dataset.episode(8, "MRN0008")
    database.patients.insert_one(dataset.patient(8, "MRN0008", "9990000077", dataset.datetime(1950, 1, 1)))
    database.episodes.insert_one(ep)
    database.tumours.insert_one(dataset.tumour(8, ep, "C18.4", dataset.datetime(2024, 8, 8)))
    database.treatments.insert_many([
        dataset.treatment(8, ep, "chemotherapy", dataset.datetime(2024, 9, 1), treatment_site=None),
        dataset.treatment(9, ep, "surgery", dataset.datetime(2024, 10, 1)),
    ])
    data, export = export_bytes(app, 10)
    doc = parse_valid(data, 10)
    assert export.exported == 4 and export.left_out == []
    sent = [r for r in records(doc) if r.findtext("LinkagePatientId/LocalPatientIdentifier") == "MRN0008"]
    [treatment] = sent[0].findall("Treatment")  # the surgery; the chemotherapy is not in the file
    assert treatment.find("CancerTreatmentModalityRegistration").get("code") == "01"
    [dropped] = export.dropped
    assert dropped["tumour_id"] == "TUM-0008" and dropped["episode_id"] == str(ep["_id"])
    assert dropped["what"].startswith("treatment TRT-0008 (Chemotherapy")
    assert dropped["reasons"] == ["Treatment site (CR1450) is missing"]


def test_invalid_code_leaves_its_treatment_out_not_the_record(app, database, golden_data):
    # The old system's robotic code.
    database.treatments.update_one({"treatment_id": "TRT-0004"}, {"$set": {"surgical_access_type": "04"}})
    data, export = export_bytes(app, 9)
    doc = parse_valid(data, 9)
    [second] = [r for r in records(doc) if r.findtext("LinkagePatientId/LocalPatientIdentifier") == "MRN0002"]
    assert second.findall("Treatment") == [] and b'code="04"' not in data
    assert export.left_out == []
    [dropped] = export.dropped
    assert dropped["tumour_id"] == "TUM-0002" and "TRT-0004" in dropped["what"]
    assert dropped["reasons"] == ["Surgical access type (CR6310) '04' is not one of the COSD codes"]


def test_unknown_birth_date_is_listed_not_dropped(app, database, golden_data):
    database.patients.update_one({"mrn": "MRN0003"}, {"$set": {"date_of_birth": None}})
    _, export = export_bytes(app, 10)
    [left] = export.left_out
    assert left["tumour_id"] == "TUM-0003"
    assert any("Date of birth (CR0100) is missing" in r for r in left["reasons"])


@pytest.mark.parametrize("stored", ["2010-05-01", "01/05/1950", 19500501, "nan"])
def test_birth_date_that_is_not_a_date_is_listed_not_judged(app, database, golden_data, stored):
    """A birth date stored as text (or a number) is not a date: the age at
    diagnosis cannot be checked, so the record is neither sent (a 14-year-old
    in the adult audit) nor counted as a child's, but listed with why."""
    database.patients.update_one({"mrn": "MRN0002"}, {"$set": {"date_of_birth": stored}})
    data, export = export_bytes(app, 10)
    assert b"MRN0002" not in data and export.exported == 2 and export.minors == 1
    [left] = export.left_out
    assert left["tumour_id"] == "TUM-0002"
    assert left["reasons"] == [f"Date of birth (CR0100) cannot be read: it is stored as "
                               f"{'a number' if isinstance(stored, int) else 'text'} '{stored}', not a date, "
                               "so the age at diagnosis cannot be checked"]


def test_nothing_to_export_gives_no_file(app, golden_data):
    data, export = export_bytes(app, 9, start="2030-01-01", end="2030-12-31")
    assert data == b"" and not export.valid and export.exported == 0
    assert "no file" in export.message


def test_queries_are_bounded_not_per_record(app, database, mongo_uri, monkeypatch):
    from pymongo import MongoClient, monitoring

    from webapp.export import service, source

    data = {"patients": [], "episodes": [], "tumours": [], "treatments": []}
    for n in range(25):
        mrn = f"MRN1{n:03d}"
        data["patients"].append(dataset.patient(300 + n, mrn, None, dataset.datetime(1950, 1, 1)))
        ep = dataset.episode(300 + n, mrn)
        data["episodes"].append(ep)
        data["tumours"].append(dataset.tumour(300 + n, ep, "C18.7", dataset.datetime(2024, 2, 2)))
        data["treatments"] += [dataset.treatment(300 + 3 * n + k, ep, "chemotherapy", dataset.datetime(2024, 3, 1))
                               for k in range(3)]
    dataset.insert(database, data)

    class Finds(monitoring.CommandListener):
        def __init__(self):
            self.finds = []

        def started(self, event):
            if event.command_name == "find":
                self.finds.append(event.command["find"])

        def succeeded(self, event):
            pass

        def failed(self, event):
            pass

    listener = Finds()
    client = MongoClient(mongo_uri, event_listeners=[listener])
    monkeypatch.setattr(source, "BATCH", 10)
    try:
        request = service.Request("10", date(2024, 1, 1), date(2024, 12, 31))
        export = service.prepare(request, service.FixedClock(dataset.NOW), database=client[database.name])
        export.close()
    finally:
        client.close()
    assert export.exported == 25
    # One tumour query, then 4 range queries per batch of 10 tumours (the
    # fourth for the episodes' metastases): 3 batches.
    assert listener.finds.count("tumours") == 1 + 3
    assert listener.finds.count("episodes") == listener.finds.count("patients") == 3
    assert listener.finds.count("treatments") == 3


def test_lxml_is_the_last_word_when_a_type_check_lets_a_value_through(app, database, golden_data, monkeypatch):
    """If our own type check and the XSD ever disagree, lxml's verdict wins:
    the record is left out with the schema's reason and the file stays valid."""
    from webapp.export import types, writer

    lax = types.SimpleType("ST_NHS_ASAPhysicalStatusClassificationSystemCode", "xs:token")
    monkeypatch.setitem(writer._KINDS, lax.name, lax)
    database.treatments.update_one({"treatment_id": "TRT-0004"}, {"$set": {"asa_grade": "7"}})
    data, export = export_bytes(app, 10)
    doc = parse_valid(data, 10)
    assert export.valid and len(records(doc)) == 2
    [left] = export.left_out
    assert left["tumour_id"] == "TUM-0002"
    assert "does not fit the schema" in left["reasons"][0] and "AsaScore" in left["reasons"][0]


def test_header_is_validated_by_lxml_too(app, golden_data, monkeypatch):
    """Records are validated as they are written, the real header on its own
    in front of the first record: a header our type check lets through is
    still caught, the file refused, and the export not re-run for nothing."""
    from webapp.export import service, types, writer

    lax = types.SimpleType("ST_NHS_OrganisationIdentifierCodeThree", "xs:string")
    monkeypatch.setitem(writer._KINDS, lax.name, lax)
    runs = []
    real_prepare = service._prepare
    monkeypatch.setattr(service, "_prepare", lambda *a: runs.append(a) or real_prepare(*a))
    data, export = export_bytes(app, 9, organisation="not an org")
    assert not export.valid and data == b"" and len(runs) == 1
    assert "does not validate" in export.message
    assert "OrganisationIdentifierCodeOfSubmittingOrganisation" in export.message


def test_tumour_whose_episode_is_missing_is_listed(app, database, golden_data):
    database.episodes.delete_one({"patient_id": "MRN0003"})
    _, export = export_bytes(app, 10)
    [left] = export.left_out
    assert left["tumour_id"] == "TUM-0003"
    assert left["reasons"][0].startswith("episode ") and "of patient MRN0003 not found" in left["reasons"][0]
    # With a provider asked for, a tumour with no episode cannot be attributed to it.
    _, export = export_bytes(app, 10, provider="RX1")
    assert export.left_out == [] and export.exported == 2
