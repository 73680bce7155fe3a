"""The export never includes or drops a record silently on data as real
services hold it: diagnosis dates stored as text (never selected by a date
range, so listed), postcodes in any form (written as COSD writes them, or
listed), metastases that contradict M0, and each change made to fit the
file listed with its record, item, before and after."""
import re
from datetime import datetime

import pytest

from tests.export import dataset
from tests.export.conftest import export_bytes, parse_valid
from webapp.domain import validators
from webapp.export import metastases, service

ARGS = ["export", "nboca", "--start", dataset.START, "--end", dataset.END, "--fixed-clock", "2026-01-02T03:04:05"]
QUERY = "version=10&start=2024-01-01&end=2024-12-31"


def _request(provider=None):
    return service.Request("10", datetime(2024, 1, 1).date(), datetime(2024, 12, 31).date(), provider)


@pytest.fixture
def text_dates(database, golden_data):
    """Colorectal primaries whose diagnosis date is not a date: text in the
    period, text in another period, text that is no date, a number, none;
    and a C21 with a text date (not the audit's, not listed)."""
    episodes = {e["patient_id"]: e for e in golden_data["episodes"]}
    rows = [(31, "MRN0001", "C18.7", "2024-05-05"), (32, "MRN0002", "C20", "2023-05-05"),
            (33, "MRN0002", "C187", "sometime in 2024"), (34, "MRN0003", "C19", 20240505),
            (35, "MRN0003", "C18.2", None), (36, "MRN0004", "C21.1", "2024-05-05")]
    database.tumours.insert_many([dataset.tumour(n, episodes[mrn], site, when) for n, mrn, site, when in rows])
    return episodes


def test_string_diagnosis_date_is_listed_not_silently_missing(app, database, text_dates):
    data, export = export_bytes(app, 10)
    assert export.exported == 3 and b"TUM-003" not in data
    with app.app_context():
        found = {f["tumour_id"]: f for f in service.undated(_request())}
        only_rth = [f["tumour_id"] for f in service.undated(_request("RTH"))]
    assert sorted(found) == ["TUM-0031", "TUM-0033", "TUM-0034", "TUM-0035"]
    assert found["TUM-0031"]["reasons"] == [
        "diagnosis date (CR2030) is stored as text '2024-05-05', not a date, so the period does not select it"]
    assert found["TUM-0031"]["diagnosis_date"] == "text '2024-05-05'"  # shown as it is, not read as a day
    assert found["TUM-0033"]["reasons"] == [
        "diagnosis date (CR2030) cannot be read: stored as text 'sometime in 2024', so no reporting period can "
        "select it", "ICD-10 code 'C187' is not written as C18.7"]
    assert found["TUM-0034"]["reasons"][0].startswith("diagnosis date (CR2030) cannot be read: stored as int")
    assert found["TUM-0035"]["reasons"] == ["no diagnosis date (CR2030): no reporting period can select it"]
    assert found["TUM-0031"]["episode_id"] == str(text_dates["MRN0001"]["_id"])
    assert sorted(only_rth) == ["TUM-0034", "TUM-0035"]


def test_page_and_cli_say_so(auth, client, runner, text_dates, tmp_path):
    auth.login("data_officer")
    page = client.get(f"/exports/?{QUERY}").get_data(as_text=True)
    assert 'data-testid="undated-count"><a href="#undated-heading">4</a>' in page
    listed = page[page.index('data-testid="undated"'):]
    assert "TUM-0031" in listed and "text &#39;2024-05-05&#39;" in listed
    assert f'href="/episodes/{text_dates["MRN0001"]["_id"]}"' in listed
    assert "TUM-0032" not in page and "TUM-0036" not in page
    result = runner.invoke(args=ARGS + ["--version", "10", "-o", str(tmp_path / "f.xml")])
    assert result.exit_code == 0, result.output
    assert ("not selected TUM-0031 (episode 0000000000000000000000c9): diagnosis date (CR2030) is stored as text "
            "'2024-05-05', not a date, so the period does not select it") in result.output
    assert "TUM-0032" not in result.output


@pytest.mark.parametrize("stored, written", [
    ("sw1a  1aa", "SW1A 1AA"), ("SW1A1AA", "SW1A 1AA"), (" ng7\t2uh ", "NG7 2UH"), ("W1 1AA", "W1 1AA"),
    ("NOT KNOWN", None), ("NG7 2UH & <b>", None), ("ZZ99 9ZZZ", None), (12345, None), ("", None), (None, None),
])
def test_cosd_postcode(stored, written):
    assert validators.cosd_postcode(stored) == written


def test_messy_postcodes_are_written_in_the_cosd_form_or_listed(app, runner, database, golden_data, tmp_path):
    database.patients.update_one({"mrn": "MRN0001"}, {"$set": {"postcode": "sw1a  1aa"}})
    database.patients.update_one({"mrn": "MRN0002"}, {"$set": {"postcode": "no fixed abode"}})
    database.patients.update_one({"mrn": "MRN0003"}, {"$set": {"postcode": "NG7 2UH"}})
    data, export = export_bytes(app, 10)
    doc = parse_valid(data, 10)
    postcodes = [r.findtext("Demographics/PostcodeOfUsualAddressAtDiagnosis") for r in doc.findall("ColorectalRecord")]
    assert postcodes == ["SW1A 1AA", None, "NG7 2UH"] and export.exported == 3 and export.left_out == []
    changes = [(c["tumour_id"], c["field"], c["before"], c["after"], c["change"]) for c in export.changes]
    assert changes == [
        ("TUM-0001", "Postcode (CR0080)", "sw1a  1aa", "SW1A 1AA", "written in the COSD form"),
        ("TUM-0002", "Postcode (CR0080)", "no fixed abode", None, "not a UK postcode: left out of the record"),
    ]
    result = runner.invoke(args=ARGS + ["--version", "10", "-o", str(tmp_path / "f.xml")])
    assert "values changed: 2" in result.output and "text changed" not in result.output
    assert ("changed TUM-0001 Postcode (CR0080): 'sw1a  1aa' -> 'SW1A 1AA' (written in the COSD form)"
            in result.output)
    assert ("changed TUM-0002 Postcode (CR0080): 'no fixed abode' -> (nothing) "
            "(not a UK postcode: left out of the record)") in result.output


def test_changes_are_listed_only_for_records_sent(app, runner, database, golden_data, tmp_path):
    database.patients.update_one({"mrn": "MRN0002"}, {"$set": {"postcode": "sw1a  1aa", "nhs_number_status": None}})
    database.patients.update_one({"mrn": "MRN0003"}, {"$set": {"postcode": "ng7 2uh"}})
    _, export = export_bytes(app, 9)  # MRN0003's diagnosis (31 Dec 2024) is not for a v9 file
    assert [r["tumour_id"] for r in export.left_out] == ["TUM-0002"] and export.changes == []
    result = runner.invoke(args=ARGS + ["--version", "9", "-o", str(tmp_path / "f.xml")])
    assert "values changed: 0" in result.output and "changed TUM" not in result.output


def _metastasis(database, golden_data, n, site, icd10="C18.7"):
    ep = next(e for e in golden_data["episodes"] if e["patient_id"] == "MRN0002")
    doc = dataset.tumour(n, ep, icd10, datetime(2024, 6, 20), tumour_type="metastasis")
    doc["site"] = site
    database.tumours.insert_one(doc)


def test_m0_with_a_recorded_metastasis_is_listed_as_contradictory(app, database, golden_data):
    _metastasis(database, golden_data, 41, "Liver")
    data, export = export_bytes(app, 10)
    assert b"MRN0002" not in data and export.exported == 2
    [left] = export.left_out
    assert left["tumour_id"] == "TUM-0002"
    assert left["reasons"] == [
        "M category (pre-treatment) (CR0560) is M0 but the episode records a metastasis (TUM-0041 (Liver, "
        "20 Jun 2024)): correct the M category or the metastasis",
        "M category (integrated) (CR0640) is M0 but the episode records a metastasis (TUM-0041 (Liver, "
        "20 Jun 2024)): correct the M category or the metastasis"]


@pytest.mark.parametrize("sites, m, codes", [
    (["Liver"], "1a", ["03"]),
    (["Liver", "right lung"], "1b", ["03", "04"]),
    (["Peritoneum"], "1c", ["98"]),
    ([""], "1a", ["07"]),
])
def test_m_and_metastatic_sites_are_derived_from_recorded_metastases(app, database, golden_data, sites, m, codes):
    database.tumours.update_one({"tumour_id": "TUM-0002"}, {"$set": {"tnm_staging.clinical.m": None,
                                                                      "tnm_staging.pathological.m": None}})
    for i, site in enumerate(sites):
        _metastasis(database, golden_data, 41 + i, site)
    data, export = export_bytes(app, 9)
    doc = parse_valid(data, 9)
    second = doc.findall("ColorectalRecord")[1]
    assert second.findtext("PrimaryPathway/Staging/MCategoryFinalPretreatment") == m
    assert second.findtext("PrimaryPathway/Staging/MCategoryIntegratedStage") == m
    items = second.findall("PrimaryPathway/Diagnosis/MetastaticTypeAndSiteDiagnosis")
    assert [(i.find("MetastaticType").get("code"), i.find("MetastaticSite").get("code")) for i in items] == \
        [("03", code) for code in codes]
    derived = [c for c in export.changes if c["tumour_id"] == "TUM-0002"]
    assert [(c["field"], c["before"], c["after"]) for c in derived] == [
        ("M category (pre-treatment) (CR0560)", None, m), ("M category (integrated) (CR0640)", None, m)]
    assert derived[0]["change"].startswith("derived from the metastases recorded in the episode (TUM-0041")


@pytest.mark.parametrize("site, icd10, code", [
    ("Liver", "C18.7", "03"), ("liver segment 4", None, "03"), ("Bone marrow", None, "11"), ("L2 vertebra bone", None,
                                                                                              "10"),
    ("", "C78.7", "03"), ("", "C79.3", "02"), ("Ovary", "C18.7", "98"), (None, "C18.7", "07"), (None, "C78.6", "98"),
])
def test_metastatic_site_codes(site, icd10, code):
    assert metastases.site_code({"site": site, "icd10_code": icd10}) == code


def test_a_recorded_m1_with_metastases_is_kept(app, database, golden_data):
    # The golden record 1 records M1a and a liver metastasis.
    data, export = export_bytes(app, 10)
    first = parse_valid(data, 10).find("ColorectalRecord")
    assert first.findtext("PrimaryPathway/Staging/MCategoryFinalPretreatment") == "1a"
    assert [c for c in export.changes if c["tumour_id"] == "TUM-0001"] == []


def _row(page, label):
    m = re.search(r"<td>" + re.escape(label) + r"(?: <strong>\(mandatory\)</strong>)?(?: <span[^>]*>[^<]*</span>)?"
                  r"</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", page)
    assert m, label
    return list(m.groups())


def test_completeness_counts_each_item_over_the_records_it_applies_to(auth, client, database, golden_data):
    # Record 3 has no operation; record 2's operation is not a major resection.
    database.treatments.update_one({"treatment_id": "TRT-0004"}, {"$set": {"opcs4_primary": "H22.1"}})
    auth.login("data_officer")
    page = client.get(f"/exports/?{QUERY}").get_data(as_text=True)
    assert _row(page, "Circumferential resection margin") == ["records with a major resection", "1 of 1"]
    assert _row(page, "Lymph nodes examined") == ["records with a major resection", "1 of 1"]
    assert _row(page, "Primary procedure (OPCS-4)") == ["records with an operation", "2 of 2"]
    assert _row(page, "Metastatic site") == ["records with a metastasis recorded", "1 of 1"]
    assert _row(page, "NHS number") == ["in-scope records", "2 of 3"]


def test_v10_checks_discharge_destination_against_its_own_list(app, database, golden_data):
    """CR9080 drops 38, 54, 65, 85 and adds 40, 42, 55, 56, 89: a code of one
    list only leaves its treatment out of the other version's file, listed."""
    database.treatments.update_one({"treatment_id": "TRT-0001"}, {"$set": {"discharge_destination": "54"}})
    database.treatments.update_one({"treatment_id": "TRT-0004"}, {"$set": {"discharge_destination": "55"}})
    for version, dropped, kept in (("9", "TRT-0004", "54"), ("10", "TRT-0001", "55")):
        data, export = export_bytes(app, version)
        parse_valid(data, version)
        [out] = export.dropped
        assert dropped in out["what"] and out["reasons"][0].endswith("is not one of the COSD codes")
        assert f'code="{kept}"' in data.decode()


def test_the_page_marks_what_v10_leaves_unconfirmed(auth, client, golden_data):
    auth.login("data_officer")
    v10 = client.get(f"/exports/?{QUERY}").get_data(as_text=True)
    unconfirmed = v10[v10.index('data-testid="unconfirmed"'):]
    assert "DestinationOfDischargeHospitalProviderSpell" in unconfirmed and "nuh-data" in unconfirmed
    v9 = client.get(f"/exports/?{QUERY.replace('version=10', 'version=9')}").get_data(as_text=True)
    assert 'data-testid="unconfirmed"' not in v9


def test_the_export_page_shows_dates_one_way(auth, client, golden_data):
    """The clinical form (15 Mar 2024) everywhere on the page; ISO only in
    the inputs (and the download link's query). Example dates agree with the
    default period, April to March."""
    auth.login("data_officer")
    client.get(f"/exports/nboca.xml?{QUERY}").get_data()  # one export in the history
    page = client.get(f"/exports/?{QUERY.replace('version=10', 'version=9')}").get_data(as_text=True)
    # File names carry ISO dates, as files do.
    visible = re.sub(r'<input[^>]*>|href="[^"]*"|nboca-[^<]*\.xml', "", page)
    assert re.findall(r"\d{4}-\d{2}-\d{2}", re.sub(r"for example \d{4}-\d{2}-\d{2}", "", visible)) == []
    assert "01 Jan 2024 to 31 Dec 2024" in page  # the history's period
    assert "for example 2024-04-01" in page and "for example 2025-03-31" in page
