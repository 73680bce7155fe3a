"""NBOCA measures on a fixed dataset counted by hand (population rules,
missing values kept out of denominators, Wilson intervals), the risk model
against a known fit, funnel limits against hand values, the dashboard's
fixed command count, the CSV and the records behind a number, and the
patient's date of death (form, audit, timeline)."""
import math
from datetime import date, datetime, timedelta

import lxml.html
import pytest
from bson import ObjectId

from tests.views.test_query_counts import counted  # noqa: F401  (fixture)
from webapp.domain import funnel, risk
from webapp.domain import nboca as rules
from webapp.store import nboca

START, END = date(2024, 4, 1), date(2025, 3, 31)
TODAY = datetime(2026, 6, 1)
PERIOD = "start=2024-04-01&end=2025-03-31"


def _wilson(x, n, z=1.959964):
    """The Wilson formula as the methods note writes it."""
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def _seed(database, n=4, extra=()):
    """n in-scope adults with one major resection each in the period, and
    one of each excluded case: anal cancer, a 16-year-old, a non-major
    operation (H08), plus `extra` resections."""
    patients, tumours, treatments = [], [], []
    cases = [dict(i=i) for i in range(n)] + [dict(i=9990, site="C21.1", when=datetime(2024, 7, 1)),
                                              dict(i=9991, dob=datetime(2008, 1, 1), when=datetime(2024, 7, 1)),
                                              dict(i=9992, opcs="H081", when=datetime(2024, 7, 1)), *extra]
    for case in cases:
        i = case["i"]
        mrn, ep = f"MRN{i:04d}", f"ep{i}"
        when = case.get("when", datetime(2024, 6, 1) + timedelta(days=i % 300))
        patients.append({"mrn": mrn, "date_of_birth": case.get("dob", datetime(1950, 1, 1)), "sex": "1",
                         **({"date_of_death": case["died"]} if "died" in case else {})})
        tumours.append({"tumour_id": f"TUM-{i}", "episode_id": ep, "patient_id": mrn, "tumour_type": "primary",
                        "icd10_code": case.get("site", "C18.7"),
                        "tnm_staging": {"pathological": {"t": "3", "n": "0", "m": "0"}},
                        "pathology": {"lymph_nodes_examined": case.get("nodes", 14),
                                      "crm_status": case.get("crm", "clear")}})
        treatments.append({"treatment_id": f"TRT-{i:04d}", "episode_id": ep, "patient_id": mrn,
                           "treatment_type": case.get("type", "surgery"), "treatment_date": when,
                           "opcs4_primary": case.get("opcs", "H101"), "provider_organisation": case.get("prov", "RX1"),
                           "consultant_surgeon": case.get("cons", "Ms B"), "surgical_access_type": case.get("acc", "4"),
                           "admission_type": "1",
                           "asa_grade": case.get("asa", "2"), "return_to_theatre": case.get("rtt", "N"),
                           "readmission_30d": case.get("readmission", False), "length_of_stay_days": case.get("los", 4),
                           "anastomosis": case.get("anastomosis", True), "anastomotic_leak": case.get("leak", False),
                           "stoma": case.get("stoma", "none")})
    database.patients.insert_many(patients)
    database.tumours.insert_many(tumours)
    database.treatments.insert_many(treatments)


def _report(app, provider=None):
    with app.app_context():
        return nboca.report(START, END, provider, today=TODAY)


def _measure(report, key):
    return next(m for m in report["measures"] if m["measure"].key == key)


def test_measures_counted_by_hand(app, database):
    _seed(database, n=4, extra=[
        # Died 30 days after; legacy forms: "Surgery", "yes", "7", "Y".
        dict(i=10, died=datetime(2024, 7, 1), type="Surgery", readmission="yes", los="7", rtt="Y",
             when=datetime(2024, 6, 1)),
        # Died before the operation: left out of mortality and counted.
        dict(i=11, died=datetime(2024, 1, 1)),
        # Return to theatre not known, readmission not recorded, nodes 9: missing / no event.
        dict(i=12, rtt="9", readmission=None, nodes=9),
        # Operated 60 days before "today": under 90 days of follow-up.
        dict(i=13, when=datetime(2025, 3, 30), prov="RTH"),
    ])
    report = _report(app)
    current = report["population"]["current"]
    assert current["included"] == 8
    assert current["excluded"] == {"outside C18-C20 (C21.1)": 1, "under 18": 1, "not a major resection (OPCS-4)": 1}
    mortality = _measure(report, "mortality90")["current"]
    # 8 in the population; 11 (death before surgery) left out; 13 operated < 90 days before the end? No:
    # TODAY is 2026-06-01, so 13 has its follow-up. Deaths within 90 days: 10.
    assert (mortality["events"], mortality["n"], mortality["left_out"]) == (1, 7, {"death date unusable": 1})
    assert mortality["interval"] == pytest.approx(_wilson(1, 7))
    rtt = _measure(report, "rtt")["current"]
    assert (rtt["events"], rtt["n"], rtt["missing"]) == (1, 7, 1)
    readmission = _measure(report, "readmission30")["current"]
    assert (readmission["events"], readmission["n"], readmission["missing"]) == (1, 7, 1)
    stay = _measure(report, "stay5")["current"]
    assert (stay["events"], stay["n"]) == (1, 8)
    nodes = _measure(report, "nodes12")["current"]
    assert (nodes["events"], nodes["n"]) == (7, 8)
    assert nodes["interval"] == pytest.approx(_wilson(7, 8))
    assert _measure(report, "crm")["current"]["n"] == 0  # no rectal cancer
    by_provider = {p["label"]: p for p in _measure(report, "stay5")["funnels"]["provider"]["points"]}
    assert (by_provider["RX1"]["n"], by_provider["RTH"]["n"]) == (7, 1)


def test_rectal_measures_and_leak_counted_by_hand(app, database):
    """The 18-month stoma, CRM involvement and anastomotic leak on a fixed
    set of resections, each state worked out here (TODAY is 2026-06-01)."""
    rectal = dict(site="C20", opcs="H332")
    _seed(database, n=2, extra=[  # the two seeded: colonic, anastomosis without a leak
        # Hartmann's (a stoma formed), never reversed; CRM involved; no anastomosis.
        dict(i=50, **{**rectal, "opcs": "H335"}, crm="involved", anastomosis=False),
        # Ileostomy closed by a linked reversal 120 days on; anastomosis that leaked.
        dict(i=51, **rectal, stoma="ileostomy", leak=True),
        # APER: a permanent stoma; CRM not known (missing); no anastomosis.
        dict(i=52, **{**rectal, "opcs": "H331"}, crm="unknown", anastomosis=False),
        # No stoma; leak not recorded (missing).
        dict(i=53, **rectal, leak=None),
        # Stoma not recorded (missing).
        dict(i=54, **rectal, stoma=None),
        # Colostomy 15 months before TODAY: under 18 months of follow-up (left out); CRM involved.
        dict(i=55, **rectal, stoma="colostomy", crm="involved", when=datetime(2025, 3, 1)),
        # Ileostomy, died on day 100 without reversal: a stoma at 18 months.
        dict(i=56, **rectal, stoma="ileostomy", died=datetime(2024, 7, 27) + timedelta(days=100)),
    ])
    database.treatments.insert_one({"treatment_id": "TRT-0051R", "episode_id": "ep51", "patient_id": "MRN0051",
                                    "treatment_type": "surgery", "opcs4_primary": "G753",
                                    "treatment_date": datetime(2024, 7, 22) + timedelta(days=120),
                                    "follows_treatment_id": "TRT-0051"})
    report = _report(app)
    assert report["population"]["current"]["included"] == 9
    expected = {  # (events, n, missing)
        "stoma18": (3, 5, 1),  # 50, 52, 56 of 50, 51, 52, 53, 56; 54 missing; 55 left out
        "crm": (2, 6, 1),      # 50, 55 of the rectal seven but 52
        "leak": (1, 6, 1),     # 51 of the two seeded, 51, 54, 55, 56; 53 missing; 50, 52 no anastomosis
    }
    for key, (events, n, missing) in expected.items():
        tally = _measure(report, key)["current"]
        assert (tally["events"], tally["n"], tally["missing"]) == (events, n, missing), key
        assert tally["interval"] == pytest.approx(_wilson(events, n)), key
    assert _measure(report, "stoma18")["current"]["left_out"] == {"under 18 months of follow-up": 1}


def test_months_by_approach_and_missing_covariates_on_the_page(auth, client, database):
    # The seeded four: early June 2024, laparoscopic ("4"). Besides: two open ("1") in
    # October, one without an approach in June; two without ASA, one with a code ASA does not have.
    _seed(database, n=4, extra=[dict(i=60, when=datetime(2024, 10, 3), acc="1", asa=None),
                                dict(i=61, when=datetime(2024, 10, 9), acc="1", asa="7"),
                                dict(i=62, when=datetime(2024, 6, 20), acc=None, asa=None)])
    auth.login("manager")
    html = client.get(f"/reports/outcomes?{PERIOD}").get_data(as_text=True)
    page = lxml.html.fromstring(html)
    table = page.xpath('//*[@data-testid="months"]')[0]
    head = [th.text_content().strip() for th in table.xpath(".//thead//th")]
    rows = {tr.xpath("./th")[0].text_content().strip(): [td.text_content().strip() for td in tr.xpath("./td")]
            for tr in table.xpath(".//tbody/tr")}
    assert head[1:] == ["Open", "Laparoscopic - completed", "not recorded"]
    assert rows == {"2024-06": ["0", "4", "1"], "2024-10": ["2", "0", "0"]}
    # 60 and 62 lack ASA and 61 has no ASA code: three in the model's "missing" level, each measure.
    assert "Covariates not recorded (their own category): asa 3." in html
    assert "Risk-adjustment items not recorded this period: ASA 3." in html


def test_completeness_counts_the_resections_left_out_for_want_of_data(app, auth, client, database):
    """A resection left out for a missing date of birth or tumour site is
    incomplete data, not outside the population: completeness counts it."""
    _seed(database, n=4)
    database.patients.update_one({"mrn": "MRN0001"}, {"$unset": {"date_of_birth": ""}})
    database.tumours.update_one({"tumour_id": "TUM-2"}, {"$unset": {"icd10_code": ""}})
    database.treatments.update_one({"treatment_id": "TRT-0003"}, {"$set": {"patient_id": "MRN-NOBODY"}})
    report = _report(app)
    population = report["population"]["current"]
    assert population["included"] == 1
    assert {reason: population["excluded"][reason] for reason in rules.DATA_GAPS & set(population["excluded"])} == {
        rules.NO_BIRTH_DATE: 1, rules.NO_TUMOUR: 1, rules.NO_PATIENT: 1}
    complete = _measure(report, "complete")["current"]
    assert (complete["events"], complete["n"]) == (1, 4)
    assert complete["interval"] == pytest.approx(_wilson(1, 4))
    # MRN-NOBODY is nobody's: no age or sex, and (tumours joining by patient) no tumour either.
    assert report["items_missing"] == {"age": 2, "sex": 1, "site": 2, "pT": 1, "pN": 1, "pM": 1}
    assert _measure(report, "stay5")["current"]["n"] == 1  # the other measures: the population alone
    auth.login("manager")
    url = f"/reports/outcomes/records?{PERIOD}&measure=complete&by=provider&unit=RX1&part="
    behind = client.get(url + "denominator").get_data(as_text=True)
    assert all(f"TRT-000{i}" in behind for i in range(4)) and "4 resections" in behind
    assert "1 resection." in client.get(url + "events").get_data(as_text=True)


def test_follow_up_and_previous_period(app, database):
    _seed(database, n=2, extra=[dict(i=20, when=datetime(2023, 6, 1)),
                                dict(i=21, when=datetime(2025, 3, 30), died=datetime(2025, 4, 2))])
    with app.app_context():
        report = nboca.report(START, END, today=datetime(2025, 4, 30))
    mortality = _measure(report, "mortality90")
    # 21 died 3 days after: an event even before 90 days have passed; 0 and 1 are followed up.
    assert (mortality["current"]["events"], mortality["current"]["n"]) == (1, 3)
    assert report["population"]["previous"]["included"] == 1
    before = _measure(report, "mortality90")["previous"]
    assert (before["events"], before["n"]) == (0, 1) and before["interval"] == pytest.approx(_wilson(0, 1))


def test_model_against_a_known_fit():
    """One binary covariate: the maximum-likelihood fit is the two groups'
    log-odds, computable by hand."""
    rows = [{"sex": "male"}] * 10 + [{"sex": "female"}] * 10
    outcomes = [True] * 2 + [False] * 8 + [True] * 5 + [False] * 5
    fitted = risk.fit(rows, outcomes)
    assert fitted["coefficients"]["intercept"] == pytest.approx(0.0, abs=1e-6)
    assert fitted["coefficients"]["sex=male"] == pytest.approx(math.log(0.25), abs=1e-6)
    # Grouped rows with frequency weights give the same fit.
    grouped = risk.fit([{"sex": "male"}, {"sex": "male"}, {"sex": "female"}, {"sex": "female"}],
                       [True, False, True, False], [2, 8, 5, 5])
    assert grouped["coefficients"]["sex=male"] == pytest.approx(math.log(0.25), abs=1e-6)
    units = risk.standardise(["a"] * 10 + ["b"] * 10, outcomes, fitted["predicted"])
    assert units["a"]["expected"] == pytest.approx(2.0) and units["a"]["ratio"] == pytest.approx(1.0)
    assert units["b"]["adjusted"] == pytest.approx(7 / 20)


def test_funnel_limits_against_hand_values():
    n, theta = 10, 0.2

    def cdf(r):
        return sum(math.comb(n, k) * theta ** k * (1 - theta) ** (n - k) for k in range(r + 1))

    def pmf(r):
        return math.comb(n, r) * theta ** r * (1 - theta) ** (n - r)

    for p in (0.975, 0.025, 0.999, 0.001):
        r = next(k for k in range(n + 1) if cdf(k) >= p)
        # Clipped to [0, 1]: a rate below 0 is not drawn.
        assert funnel.exact_limit(p, n, theta) == pytest.approx(max(0.0, (r - (cdf(r) - p) / pmf(r)) / n))
    assert funnel.wilson(1, 7) == pytest.approx(_wilson(1, 7))
    assert funnel.position(0.9, 10, 0.2) == "above 99.8%" and funnel.position(0.2, 10, 0.2) == "within"


def _commands(counted, operations):  # noqa: F811
    app, counter = counted
    from tests.conftest import Auth
    client = app.test_client()
    auth = Auth(app, client)
    auth.login("manager")
    with app.app_context():
        from webapp import db
        database = db.resolve()
        # Values that differ from one operation to the next, and pathways: the
        # groups and the linked treatments grow with the data, the commands must not.
        _seed(database, n=operations, extra=[dict(i=5000 + k, los=k % 200, cons=f"Surgeon {k % 40}")
                                             for k in range(operations)])
        database.treatments.insert_many([
            {"treatment_id": f"TRT-C{k}", "episode_id": f"ep{5000 + k}", "patient_id": f"MRN{5000 + k:04d}",
             "treatment_type": "chemotherapy", "treatment_date": datetime(2025, 3, 1),
             "follows_treatment_id": f"TRT-{5000 + k:04d}", "response": ["CR", "PR", "SD"][k % 3]}
            for k in range(operations // 2)])
    counter.commands.clear()
    counter.active = True
    response = client.get(f"/reports/outcomes?{PERIOD}")
    counter.active = False
    assert response.status_code == 200
    return [c[0] for c in counter.commands if c[0] not in ("endSessions",)]


def test_dashboard_makes_a_fixed_number_of_commands(counted):  # noqa: F811
    few = _commands(counted, 10)
    app, counter = counted
    with app.app_context():
        from webapp import db
        for name in ("patients", "tumours", "treatments"):
            db.resolve()[name].delete_many({})
    many = _commands(counted, 1000)
    assert few == many
    assert few.count("aggregate") <= 5


@pytest.mark.parametrize("url, shows", [
    ("/reports/outcomes/records?{}&measure=stay5&by=provider&unit=RX1&part=denominator", "TRT-0002"),
    ("/reports/outcomes.csv?{}&measure=stay5&by=provider", "RX1,0,3,0,0.0000")])
def test_records_and_csv_behind_a_number_read_the_period_alone(counted, url, shows):  # noqa: F811
    app, counter = counted
    client = app.test_client()
    from tests.conftest import Auth
    Auth(app, client).login("manager")
    with app.app_context():
        from webapp import db
        _seed(db.resolve(), n=3)
    counter.commands.clear()
    counter.active = True
    page = client.get(url.format(PERIOD))
    counter.active = False
    assert page.status_code == 200 and shows in page.get_data(as_text=True)
    earliest = [stage["$match"]["treatment_date"]["$gte"] for name, _, command in counter.commands
                if name == "aggregate" and command["aggregate"] == "treatments"
                for stage in command["pipeline"][:1] if "treatment_date" in stage.get("$match", {})]
    assert len(earliest) == 2 and min(earliest) == datetime(2024, 4, 1)  # the treatments table's, the resections'


def test_a_funnel_read_alone_is_the_dashboard_s(app, database):
    """The CSV's funnel, read from the period alone, is the one the dashboard
    draws, risk adjustment included, whatever the period before holds."""
    _seed(database, n=12, extra=[dict(i=40, cons="Mr A", died=datetime(2024, 7, 1)),
                                 dict(i=41, cons="Mr A", los=9, readmission=True),
                                 dict(i=42, when=datetime(2023, 8, 1), died=datetime(2023, 9, 1)),
                                 dict(i=43, when=datetime(2023, 9, 1), cons="Mr A", rtt="Y")])
    database.patients.update_many({"mrn": {"$in": ["MRN0003", "MRN0007"]}}, {"$set": {"sex": "2"}})
    report = _report(app)
    with app.app_context():
        for m in report["measures"]:
            for kind in ("provider", "consultant"):
                alone = nboca.funnel_of(START, END, None, m["measure"].key, kind, today=TODAY)
                assert alone == m["funnels"][kind], (m["measure"].key, kind)
    adjusted = _measure(report, "mortality90")["funnels"]["consultant"]["points"]
    assert any(point.get("expected") is not None for point in adjusted)  # the model took part


def test_treatments_without_a_date_are_said_to_be_in_no_period(auth, client, database):
    _seed(database, n=2)
    database.treatments.insert_many([
        {"treatment_id": "TRT-U1", "episode_id": "ep0", "patient_id": "MRN0000", "treatment_type": "chemotherapy"},
        {"treatment_id": "TRT-U2", "episode_id": "ep1", "patient_id": "MRN0001", "treatment_type": "surgery",
         "opcs4_primary": "H101", "treatment_date": None}])
    auth.login("manager")
    page = lxml.html.fromstring(client.get(f"/reports/outcomes?{PERIOD}").get_data(as_text=True))
    said = page.xpath('//*[@data-testid="undated"]')[0].text_content()
    assert " ".join(said.split()) == ("2 treatments have no treatment date, so they are counted in no period, "
                                      "here or in the NBOCA measures.")
    other = lxml.html.fromstring(client.get(f"/reports/outcomes?{PERIOD}&provider=RTH").get_data(as_text=True))
    assert not other.xpath('//*[@data-testid="undated"]')  # neither is RTH's


def test_csv_and_records_behind_a_number(auth, client, database):
    _seed(database, n=3, extra=[dict(i=10, los=9)])
    auth.login("manager")
    page = client.get(f"/reports/outcomes?{PERIOD}").get_data(as_text=True)
    assert 'data-testid="funnel-stay5-provider"' in page and "<svg" in page
    csv = client.get(f"/reports/outcomes.csv?{PERIOD}&measure=stay5&by=provider")
    assert csv.headers["Content-Type"].startswith("text/csv")
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("provider,numerator,denominator") and lines[1].startswith("RX1,1,4,0,0.2500")
    records = client.get(f"/reports/outcomes/records?{PERIOD}&measure=stay5&by=provider&unit=RX1&part=events")
    body = records.get_data(as_text=True)
    assert "TRT-0010" in body and "TRT-0001" not in body and "open the episode" not in body  # managers: no link
    assert client.get(f"/reports/outcomes/records?{PERIOD}&measure=nope&by=provider&unit=RX1").status_code == 404
    auth.logout()
    auth.login("data_officer")
    episode = ObjectId()
    database.treatments.update_one({"treatment_id": "TRT-0001"}, {"$set": {"episode_id": str(episode)}})
    database.tumours.update_one({"tumour_id": "TUM-1"}, {"$set": {"episode_id": str(episode)}})
    body = client.get(f"/reports/outcomes/records?{PERIOD}&measure=stay5&by=provider&unit=RX1&part=denominator")
    body = body.get_data(as_text=True)
    assert "TRT-0010" in body and f'href="/episodes/{episode}"' in body
    # A legacy key names no page: shown as it is, not linked to a 404.
    assert "ep10 (no page of its own)" in body and 'href="/episodes/ep10"' not in body


def test_the_page_states_its_choices_from_the_rules_it_applies(auth, client, database):
    _seed(database, n=1)
    auth.login("manager")
    choices = lxml.html.fromstring(client.get(f"/reports/outcomes?{PERIOD}").get_data(as_text=True)).xpath(
        '//*[@data-testid="choices"]/li/text()')
    opcs = next(text for text in choices if text.startswith("Major resections"))
    assert "H07, H09" in opcs and "H08" not in opcs and "H40.4" in opcs  # the code list itself, H08 not in it
    assert any("NBOCA's denominator is every colonic resection" in text for text in choices)
    assert len(choices) == len(rules.CHOICES)


def test_date_of_death_on_the_form_audited_and_on_the_timeline(auth, client, database):
    auth.login("clinician")
    data = {"mrn": "MRN7654321", "first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1946-12-09",
            "sex": "2", "date_of_death": "2024-02-01"}
    refused = auth.post("/patients/new", data)
    assert refused.status_code == 422 and "Say where the date of death came from." in refused.get_data(as_text=True)
    too_early = auth.post("/patients/new", {**data, "date_of_death": "1940-01-01", "date_of_death_source": "ons"})
    assert too_early.status_code == 422 and database.patients.count_documents({}) == 0
    assert auth.post("/patients/new", {**data, "date_of_death_source": "ons"}).status_code in (302, 303)
    patient = database.patients.find_one({"mrn": "MRN7654321"})
    assert patient["date_of_death"] == datetime(2024, 2, 1) and patient["date_of_death_source"] == "ons"
    entry = database.audit_log.find_one({"entity": "patient"})
    assert entry["after"]["date_of_death"] == datetime(2024, 2, 1)
    page = client.get(f"/patients/{patient['_id']}").get_data(as_text=True)
    assert 'data-kind="death"' in page and "ONS death registration" in page


def test_records_behind_a_number_are_the_resections_it_counts(app, auth, client, database):
    """The records page reads the period alone; a patient's resection in the
    period before, or a second one in the period, is not among them."""
    _seed(database, n=2)
    later = {k: v for k, v in database.treatments.find_one({"treatment_id": "TRT-0000"}).items() if k != "_id"}
    database.treatments.insert_many([{**later, "treatment_id": "TRT-0000B", "treatment_date": datetime(2023, 9, 1),
                                      "length_of_stay_days": 9},
                                     {**later, "treatment_id": "TRT-0000C", "treatment_date": datetime(2025, 1, 9),
                                      "length_of_stay_days": 9}])
    stay = _measure(_report(app), "stay5")
    rx1 = next(p for p in stay["funnels"]["provider"]["points"] if p["unit"] == "RX1")
    assert (rx1["events"], rx1["n"]) == (0, 2)
    assert (stay["previous"]["events"], stay["previous"]["n"]) == (1, 1)  # TRT-0000B, the period before
    auth.login("manager")
    body = client.get(f"/reports/outcomes/records?{PERIOD}&measure=stay5&by=provider&unit=RX1"
                      "&part=denominator").get_data(as_text=True)
    assert "TRT-0000" in body and "TRT-0001" in body and "TRT-0000B" not in body and "TRT-0000C" not in body
    events = client.get(f"/reports/outcomes/records?{PERIOD}&measure=stay5&by=provider&unit=RX1"
                        "&part=events").get_data(as_text=True)
    assert "TRT-0000" not in events


def test_every_resection_in_the_period_is_counted_or_left_out_with_a_reason(app, database):
    """A resection naming no patient, or one nobody has, and a patient's later
    resection are left out and counted; a patient whose first resection is
    out of scope is counted on the later one that is in it."""
    _seed(database, n=6)
    database.treatments.update_one({"treatment_id": "TRT-0001"}, {"$unset": {"patient_id": ""}})
    database.treatments.update_one({"treatment_id": "TRT-0002"}, {"$set": {"patient_id": None}})
    database.treatments.update_one({"treatment_id": "TRT-0003"}, {"$set": {"patient_id": "MRN-NOBODY"}})
    operation = {k: v for k, v in database.treatments.find_one({"treatment_id": "TRT-0000"}).items() if k != "_id"}
    database.treatments.insert_many([
        {**operation, "treatment_id": "TRT-0000L", "treatment_date": datetime(2024, 12, 1)},
        {**operation, "treatment_id": "TRT-0004A", "patient_id": "MRN0004", "episode_id": "ep4a",
         "treatment_date": datetime(2024, 5, 1), "length_of_stay_days": 9}])
    database.tumours.insert_one({"tumour_id": "TUM-4a", "episode_id": "ep4a", "patient_id": "MRN0004",
                                 "tumour_type": "primary", "icd10_code": "C21.1"})
    report = _report(app)
    population = report["population"]["current"]
    # In: MRN0000 (first), MRN0004 (its C18.7 one), MRN0005; the seed's three exclusions besides.
    assert population["included"] == 3
    assert population["excluded"] == {rules.NO_PATIENT: 3, rules.LATER: 1, "outside C18-C20 (C21.1)": 2,
                                      "under 18": 1, "not a major resection (OPCS-4)": 1}
    stay = _measure(report, "stay5")["current"]
    assert (stay["events"], stay["n"]) == (0, 3)  # TRT-0004A (9 days) is the C21 one: not counted
    with app.app_context():
        rows = nboca.unit_rows(START, END, None, ("provider", "RX1"), today=TODAY)
    assert sorted(r["id"] for r in rows if not rules.exclusion(r)) == ["TRT-0000", "TRT-0004", "TRT-0005"]


def test_csv_positions_belong_to_their_own_unit(auth, client, database):
    """No consultant recorded, and a consultant named "not recorded", share a
    label: each row of the CSV still has its own unit's position."""
    _seed(database, n=40, extra=[dict(i=100 + k, cons="not recorded", los=9) for k in range(10)]
          + [dict(i=200 + k, cons=None) for k in range(10)])
    auth.login("manager")
    lines = client.get(f"/reports/outcomes.csv?{PERIOD}&measure=stay5&by=consultant").get_data(as_text=True)
    rows = [line.split(",") for line in lines.splitlines()[1:] if line.startswith("not recorded,")]
    assert sorted((row[1], row[2], row[-1]) for row in rows) == [("0", "10", "within"), ("10", "10", "above 99.8%")]


def test_records_behind_a_unit_not_recorded(auth, client, database):
    """A consultant shown as "not recorded" opens the resections that lack
    one (missing, empty or blank), not those whose consultant is spelt so."""
    _seed(database, n=2, extra=[dict(i=30, cons=None), dict(i=31, cons="  "), dict(i=32, cons="not recorded")])
    database.treatments.update_one({"treatment_id": "TRT-0030"}, {"$unset": {"consultant_surgeon": ""}})
    auth.login("manager")
    page = client.get(f"/reports/outcomes?{PERIOD}").get_data(as_text=True)
    assert "by=consultant&amp;unit=\"" in page
    body = client.get(f"/reports/outcomes/records?{PERIOD}&measure=stay5&by=consultant&unit="
                      "&part=denominator").get_data(as_text=True)
    assert "consultant not recorded" in body
    assert "TRT-0030" in body and "TRT-0031" in body and "TRT-0000" not in body and "TRT-0032" not in body
    spelt = client.get(f"/reports/outcomes/records?{PERIOD}&measure=stay5&by=consultant&unit=not+recorded"
                       "&part=denominator").get_data(as_text=True)
    assert "TRT-0032" in spelt and "TRT-0030" not in spelt


def test_stored_shapes_reach_the_rules_as_stored(app, database):
    """A patient named by a number still finds its patient and tumour; a
    stage stored as a list is never read as one of its values (MongoDB reads
    the list, the embedded server nothing: neither is complete); a pathology
    stored as text leaves its items missing, out of their denominators."""
    _seed(database, n=2)
    database.patients.insert_one({"mrn": 4242, "date_of_birth": datetime(1950, 1, 1), "sex": "2"})
    database.tumours.insert_one({"tumour_id": "TUM-4242", "episode_id": "ep4242", "patient_id": 4242,
                                 "tumour_type": "primary", "icd10_code": "C18.7",
                                 "tnm_staging": {"pathological": [{"t": "3"}, {"t": "4"}]}, "pathology": "nan"})
    database.treatments.insert_one({"treatment_id": "TRT-4242", "episode_id": "ep4242", "patient_id": 4242,
                                    "treatment_type": "surgery", "treatment_date": datetime(2024, 8, 1),
                                    "opcs4_primary": "H101", "provider_organisation": "RX1",
                                    "consultant_surgeon": "Ms B", "length_of_stay_days": 9})
    report = _report(app)
    assert report["population"]["current"]["included"] == 3
    assert (_measure(report, "stay5")["current"]["events"], _measure(report, "stay5")["current"]["n"]) == (1, 3)
    nodes = _measure(report, "nodes12")["current"]
    assert (nodes["n"], nodes["missing"]) == (2, 1)
    with app.app_context():
        rows = nboca.unit_rows(START, END, None, ("provider", "RX1"), today=TODAY)
    row = next(r for r in rows if r["id"] == "TRT-4242")
    assert (row["sex"], row["site"]) == ("2", "C18.7") and row["t"] not in ("3", "4")
    assert row["nodes"] is None
    complete = _measure(report, "complete")["current"]
    assert (complete["events"], complete["n"]) == (2, 3)  # the seeded two; this one has no ASA and a list for pT
