"""The template filters, each written once in webapp/templating.py, and the
one canonical reading of a stored treatment type they rely on."""
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from webapp import templating
from webapp.domain.treatments import canonical_type, fields_of, type_label, type_of


@pytest.mark.parametrize("stored,expected", [
    ("chemotherapy", "chemotherapy"), ("Chemotherapy", "chemotherapy"), (" SURGERY ", "surgery"),
    ("Endoscopic treatment", "endoscopic"), ("laser", None), ("", None), (None, None), (True, None), (3, None),
])
def test_canonical_type(stored, expected):
    assert canonical_type(stored) == expected
    assert type_of({"treatment_type": stored}) == expected


def test_type_label_and_fields_read_the_canonical_type():
    assert type_label("Chemotherapy") == type_label("chemotherapy") == "Chemotherapy"
    assert type_label("laser") == "laser" and type_label(None) == "—"
    assert type_label(None, default="Not recorded") == "Not recorded"
    assert fields_of("Chemotherapy") == fields_of("chemotherapy") and "regimen" in fields_of("Chemotherapy")
    assert type_of(None) is None and fields_of("laser") == ()


@pytest.mark.parametrize("treatment,details", [
    ({"treatment_type": "surgery", "opcs4_primary": "H071", "consultant_surgeon": "Mr A Surgeon"},
     "H071, Mr A Surgeon"),
    ({"treatment_type": "Surgery", "opcs4_primary": "H071"}, "H071"),
    ({"treatment_type": "chemotherapy", "regimen": "CAPOX", "cycles": 8}, "CAPOX × 8 cycles"),
    ({"treatment_type": "Chemotherapy", "regimen": "CAPOX", "cycles": 1}, "CAPOX × 1 cycle"),
    ({"treatment_type": "chemotherapy", "regimen": "CAPOX"}, "CAPOX"),
    ({"treatment_type": "radiotherapy", "total_dose_gy": 45.0, "fractions": 25}, "45 Gy in 25 fractions"),
    ({"treatment_type": "radiotherapy", "total_dose_gy": Decimal("50.4"), "fractions": 28}, "50.4 Gy in 28 fractions"),
    ({"treatment_type": "radiotherapy", "total_dose_gy": "5", "fractions": 1}, "5 Gy in 1 fraction"),
    ({"treatment_type": "radiotherapy", "total_dose_gy": 25}, "25 Gy"),
    ({"treatment_type": "immunotherapy"}, ""),
    ({"treatment_type": "chemotherapy", "regimen": "FOLFOX", "response": "Partial response",
      "response_date": datetime(2024, 7, 20)}, "FOLFOX; response: Partial response (20 Jul 2024)"),
    ({"treatment_type": "radiotherapy", "response": "CR"}, "response: Complete response"),
])
def test_treatment_details(treatment, details):
    assert templating.treatment_details(treatment) == details


def test_treatment_summary_for_the_list_and_the_timeline():
    chemo = {"treatment_type": "Chemotherapy", "treatment_intent": "01", "regimen": "CAPOX", "cycles": 8}
    assert templating.treatment_summary(chemo) == "CAPOX × 8 cycles"
    assert templating.treatment_summary(chemo, with_type=True) == "Chemotherapy (Curative): CAPOX × 8 cycles"
    other = {"treatment_type": "palliative", "treatment_intent": "02"}
    assert templating.treatment_summary(other) == "—"
    assert templating.treatment_summary(other, with_type=True) == "Palliative care / other (Palliative)"
    assert templating.treatment_label({"treatment_type": "RADIOTHERAPY"}) == "Radiotherapy"


def test_tnm_text():
    tumour = {"tnm_staging": {"clinical": {"prefix": "c", "t": "3", "n": "1a", "m": "0"},
                              "pathological": {"prefix": "yp", "t": "4b", "n": "2a", "m": "1c"}}}
    assert templating.tnm_text(tumour) == "cT3 N1a M0 · ypT4b N2a M1c"
    only_path = {"tnm_staging": {"pathological": {"prefix": "p", "t": "2", "n": "0", "m": None}}}
    assert templating.tnm_text(only_path) == "pT2 N0"
    legacy = {"tnm_staging": {"clinical": {"t": "T3", "n": "N1", "m": "MX"}}}
    assert templating.tnm_text(legacy) == "T3 N1 MX"
    assert templating.tnm_text({"tnm_staging": {"clinical": {"n": "0"}}}) == "—"
    assert templating.tnm_text({}) == templating.tnm_text(None) == "—"


def test_dates_have_one_display_format():
    assert templating.format_date(datetime(2024, 3, 5, 14, 30)) == "05 Mar 2024"
    assert templating.format_date(date(2024, 3, 5)) == "05 Mar 2024"
    assert templating.format_date("2024-03-05") == "05 Mar 2024"
    assert templating.format_date("2024-02-31") == "2024-02-31"  # not a day: shown as it is
    assert templating.format_date("soon") == "soon"
    assert templating.format_date(None) == templating.format_date("") == "—"
    assert templating.format_date(None, default="") == ""
    assert templating.format_datetime(datetime(2024, 3, 5, 14, 30)) == "05 Mar 2024 14:30"
    assert templating.format_datetime(date(2024, 3, 5)) == "05 Mar 2024"


def test_bytes_and_changes():
    assert templating.format_bytes(0) == "0 Bytes" and templating.format_bytes(None) == "0 Bytes"
    assert templating.format_bytes(1500) == "1.5 kB" and templating.format_bytes(2_000_000) == "2.0 MB"
    assert templating.format_change(None) == "—" and templating.format_change(0) == "no change"
    assert templating.format_change(3) == "+3" and templating.format_change(-2) == "−2"
    assert templating.format_change(1500, as_bytes=True) == "+1.5 kB"
    assert templating.format_change(-2_000_000, as_bytes=True) == "−2.0 MB"
    assert templating.format_change(0, as_bytes=True) == "no change"


def test_error_titles_and_explanations():
    assert templating.error_title(404) == "Page not found"
    assert templating.error_title(500) == "Sorry, something went wrong on our side"
    assert templating.error_title(418) == "Error"
    assert "ask an administrator" in templating.error_explanation(403)
    assert templating.error_explanation(422) is None


def test_snapshot_totals_are_summed_in_python():
    from webapp.views.admin import snapshot_totals

    snapshot = {"by": "x", "collections": [{"documents": 2, "data_bytes": 100, "index_bytes": 50},
                                           {"documents": 3, "data_bytes": 1000, "index_bytes": 0}]}
    totals = snapshot_totals(snapshot)
    assert totals["documents"] == 5 and totals["bytes"] == 1150 and totals["by"] == "x"
    assert snapshot_totals({"collections": []})["bytes"] == 0


HAND_BUILT_URL = re.compile(r"""(?:href|action|src|hx-(?:get|post|put|patch|delete))\s*=\s*["']/"""
                            r"""|~\s*["']/|["']/["']\s*~""")


def test_templates_build_no_urls_by_hand():
    """Issue 11: every link and request path in a template comes from url_for."""
    root = Path(__file__).resolve().parent.parent / "templates"
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}"
             for path in sorted(root.rglob("*.html"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if HAND_BUILT_URL.search(line)]
    assert found == []


SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def test_the_only_scripts_are_htmx_and_app_js_loaded_by_base():
    """README (Front-end): htmx and static/app.js, from base.html, and no inline script."""
    root = Path(__file__).resolve().parent.parent / "templates"
    tags = {str(path.relative_to(root)): SCRIPT_TAG.findall(path.read_text()) for path in sorted(root.rglob("*.html"))}
    assert {name: found for name, found in tags.items() if found} == {"base.html": [
        """<script src="{{ url_for('static', filename='vendor/htmx-2.0.10.min.js') }}" defer>""",
        """<script src="{{ url_for('static', filename='app.js') }}" defer>"""]}
    static = Path(__file__).resolve().parent.parent / "static"
    assert sorted(str(p.relative_to(static)) for p in static.rglob("*.js")) == ["app.js",
                                                                                 "vendor/htmx-2.0.10.min.js"]


def test_every_page_loads_app_js(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<script src="/static/app.js" defer></script>' in page
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "htmx:beforeSwap" in script.get_data(as_text=True)
