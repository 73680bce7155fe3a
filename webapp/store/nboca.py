"""NBOCA's surgical outcome measures for a period (and the one before it),
by provider and consultant, read with five commands whatever the number
of records:

1. the treatments of the two periods grouped on the stored values read,
   one command per period (store/outcomes.py: the same commands feed the
   treatments table): the domain says which stored types mean surgery and
   which OPCS-4 codes are major resections, so legacy forms count and the
   excluded operations are counted;
2. the treatments in a pathway (`follows_treatment_id`, a sparse index,
   and the treatments they name: two commands): the stoma closures among
   them, and the common pathways;
3. the major resections, joined without $lookup: a $unionWith of tumours
   and patients grouped by the patient's MRN (one pass over each
   collection, where a $lookup costs a query per resection), each field
   taken as stored with a plain path.

The embedded server spends about 1.5 us on each expression node of each
document, so the database only selects, joins and projects; the rules
(domain/nboca.py) then build one row per patient's first resection in
each period (age, day counts, the tumour of the episode) and count it,
reading each distinct stored value once. The risk model is fitted on the
distinct covariate patterns with their counts (the same fit as on the
rows)."""
from collections import Counter
from datetime import datetime, timedelta

from webapp import db
from webapp.domain import codes, funnel, nboca, pathways, periods, risk, validators
from webapp.domain.treatments import canonical_type
from webapp.store import outcomes, treatments

_RESECTION = {"id": "$treatment_id", "d": "$treatment_date", "e": "$episode_id", "prov": "$provider_organisation",
              "cons": "$consultant_surgeon", "acc": "$surgical_access_type", "admission": "$admission_type",
              "asa": "$asa_grade", "anastomosis": "$anastomosis", "leak": "$anastomotic_leak",
              "rtt": "$return_to_theatre", "los": "$length_of_stay_days", "dis": "$discharge_date",
              "readmission": "$readmission_30d", "stoma": "$stoma", "opcs": "$opcs4_primary"}
_PATHOLOGICAL = "$tnm_staging.pathological"
_TUMOUR = {"e": "$episode_id", "type": "$tumour_type", "s": "$icd10_code", "T": f"{_PATHOLOGICAL}.t",
           "N": f"{_PATHOLOGICAL}.n", "M": f"{_PATHOLOGICAL}.m", "crm": "$pathology.crm_status",
           "nodes": "$pathology.lymph_nodes_examined"}


def windows(start, end):
    """(previous start, start, end): the previous period has the same length
    and ends the day before this one starts."""
    length = end - start
    previous_end = start - timedelta(days=1)
    return previous_end - length, start, end


def _vocabulary(combos):
    """(stored types, stored OPCS-4 codes) of the major resections among
    the grouped treatments, and {"current"/"previous": surgeries that are
    not major resections}."""
    types, opcs, not_major = set(), set(), {"current": 0, "previous": 0}
    for values, n in combos:
        if canonical_type(values.get("type")) != "surgery":
            continue
        code = values.get("opcs")
        if isinstance(code, str) and codes.is_major_resection(validators.normalise_opcs4(code)):
            types.add(values.get("type"))
            opcs.add(code)
        else:
            not_major["current" if values["current"] else "previous"] += n
    return sorted(types, key=repr), sorted(opcs, key=repr), not_major


def pipeline(low, high, types, opcs, provider=None):
    """The aggregation on `treatments`: one document per patient with a
    major resection in [low, high): {"r": [resections], "t": [tumours],
    "p": [patient]}, each a small projection of stored values."""
    # The type first: the embedded server drives the scan by the first
    # indexed field named, and the resections are a fraction of the window.
    match = {"treatment_type": {"$in": types}, "treatment_date": {"$gte": low, "$lt": high},
             "opcs4_primary": {"$in": opcs}}
    if provider:
        match["provider_organisation"] = provider
    return [
        {"$match": match},
        # A resection that names no patient is a group of its own (not null's,
        # which holds every tumour and patient without a key), so it is counted.
        {"$project": {"_id": 0, "k": {"$ifNull": ["$patient_id", {"none": "$_id"}]}, "r": _RESECTION}},
        {"$unionWith": {"coll": db.TUMOURS, "pipeline": [{"$project": {"_id": 0, "k": "$patient_id", "t": _TUMOUR}}]}},
        {"$unionWith": {"coll": db.PATIENTS, "pipeline": [{"$project": {"_id": 0, "k": "$mrn", "p": {
            "dob": "$date_of_birth", "sex": "$sex", "dod": "$date_of_death"}}}]}},
        {"$group": {"_id": "$k", "r": {"$push": "$r"}, "t": {"$push": "$t"}, "p": {"$push": "$p"}}},
        {"$match": {"_id": {"$ne": None}, "r": {"$ne": []}}},
    ]


def _linked():
    """The treatments in a pathway: those that name another (through the
    sparse index) and those they name (one more query, whatever their
    number), as the pathway rules read them."""
    coll = db.collection(db.TREATMENTS)
    linked = list(coll.find({pathways.FIELD: {"$exists": True}}, treatments.PATHWAY_PROJECTION,
                            batch_size=db.ONE_REPLY))
    have = {t.get("treatment_id") for t in linked}
    wanted = sorted({t[pathways.FIELD] for t in linked if isinstance(t.get(pathways.FIELD), str)} - have)
    return linked + list(coll.find({"treatment_id": {"$in": wanted}}, treatments.PATHWAY_PROJECTION,
                                   batch_size=db.ONE_REPLY))


def _reversals(linked):
    """{resection id: [dates of the stoma closures linked to it]}."""
    found = {}
    for t in linked:
        if isinstance(t.get(pathways.FIELD), str) and nboca.is_reversal(t.get("opcs4_primary")):
            found.setdefault(t[pathways.FIELD], []).append(t.get("treatment_date"))
    return found


def common_pathways(linked, start, end, provider=None):
    """[(pathway in words, how many)], most common first, over the pathways
    with a treatment in the period (of `provider` when given)."""
    low, high = periods.bounds(start, end)
    counts = Counter()
    for group in pathways.groups(linked):
        dates = [t.get("treatment_date") for t in group if isinstance(t.get("treatment_date"), datetime)]
        if any(low <= d < high for d in dates) and (not provider or any(
                t.get("provider_organisation") == provider for t in group)):
            counts[pathways.shape(group)] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _read(start, end, provider, today, previous=True):
    """(rows, not_major, treatment combinations, treatments in a pathway):
    one row per patient's first major resection in each period (the period
    itself only, without `previous`)."""
    prev_start, start, end = windows(start, end)
    cut, high = periods.bounds(start, end)
    low = periods.bounds(prev_start, start)[0] if previous else cut
    today = today or datetime.combine(validators.today(), datetime.min.time())
    combos = outcomes.combinations(start, end, provider, since=prev_start if previous else None)
    types, opcs, not_major = _vocabulary(combos)
    linked = _linked()
    if not types:
        return [], not_major, combos, linked
    reversals = _reversals(linked)
    rows = []
    for patient in db.collection(db.TREATMENTS).aggregate(pipeline(low, high, types, opcs, provider),
                                                          batchSize=db.ONE_REPLY):
        person = patient["p"][0] if patient["p"] else {}
        own = [nboca.resection_row(r, person, patient["t"], reversals.get(r.get("id"), ()), cut, today)
               for r in sorted(patient["r"], key=lambda r: r["d"])]
        if not patient["p"]:
            for row in own:
                row["left"] = nboca.NO_PATIENT
        rows += nboca.one_per_patient(own)
    return rows, not_major, combos, linked


def combinations(start, end, provider=None, today=None):
    """([(row, count)], {"current"/"previous": major-resection-less surgeries})."""
    rows, not_major, _, _ = _read(start, end, provider, today)
    return [(row, 1) for row in rows], not_major


def unit_rows(start, end, provider, unit, today=None):
    """The resections of one provider or consultant in the period, as
    nboca.unit_name keys it ("" for those without one), with their ids,
    episode ids and "episode_link" when the episode has a page. The period
    before is not read: each patient's first resection is chosen within
    each period."""
    rows, _, _, _ = _read(start, end, provider, today, previous=False)
    kind, name = unit
    return [{**row, "episode_link": db.linkable(row.get("e"))} for row in rows if nboca.unit_name(row, kind) == name]


def records_behind(start, end, provider, unit, key, part, today=None):
    """The resections behind one number of a unit's funnel table: the
    `part` (nboca.PARTS) of measure `key`, as the dashboard counts them."""
    return [row for row in unit_rows(start, end, provider, unit, today)
            if nboca.counted_states(row).get(key) in nboca.PARTS[part]]


def funnel_of(start, end, provider, key, kind, today=None):
    """The funnel of one measure by provider or consultant (as in `report`),
    read from the period alone: a funnel does not look at the period
    before."""
    rows, _, _, _ = _read(start, end, provider, today, previous=False)
    summary, adjusted = _counted(rows)
    return _funnel(summary, key, kind, adjusted.get(key))


def _counted(rows):
    """(the rules' summary of the rows, the adjusted measures' models)."""
    states_of = {}
    summary = nboca.summarise([(row, 1) for row in rows], states_of)
    return summary, _adjust(rows, states_of)


def report(start, end, provider=None, today=None):
    """Everything the dashboard shows: the population and its exclusions,
    each measure this period and the one before (with Wilson intervals),
    resections per month by access approach, per measure a funnel by
    provider and by consultant (with risk-adjusted rates for the adjusted
    measures), and the treatments table (store/outcomes.py) from the same
    read."""
    rows, not_major, treatment_combos, linked = _read(start, end, provider, today)
    summary, adjusted = _counted(rows)
    for period, n in not_major.items():
        if n:
            summary["population"][period]["excluded"]["not a major resection (OPCS-4)"] = n
    measures = []
    for m in nboca.MEASURES:
        now, before = summary["measures"]["current"][m.key], summary["measures"]["previous"][m.key]
        measures.append({"measure": m, "current": _with_interval(now), "previous": _with_interval(before),
                         "funnels": {kind: _funnel(summary, m.key, kind, adjusted.get(m.key))
                                     for kind in ("provider", "consultant")},
                         "model": (adjusted.get(m.key) or {}).get("model")})
    return {"measures": measures, "population": summary["population"], "months": _months(summary["months"]),
            "items_missing": summary["items_missing"], "choices": nboca.CHOICES,
            "treatments": outcomes.report(start, end, provider, combos=treatment_combos),
            "pathways": common_pathways(linked, start, end, provider)}


def _with_interval(tally):
    interval = funnel.wilson(tally["events"], tally["n"])
    return {**tally, "rate": tally["events"] / tally["n"] if tally["n"] else None, "interval": interval}


def _adjust(rows, states_of):
    """{measure key: model and standardised units} for the adjusted
    measures: each resection of this period with the outcome recorded,
    counted by (covariate pattern, outcome, provider, consultant).
    `states_of` holds the states summarise read (id(row): states) for the
    rows in the population."""
    keys = [m.key for m in nboca.MEASURES if m.adjusted]
    cells = {key: Counter() for key in keys}
    for row in rows:
        states = states_of.get(id(row))
        if row.get("per") != "current" or states is None:
            continue
        pattern = tuple(sorted(nboca.covariates(row).items()))
        units = (nboca.unit_name(row, "provider"), nboca.unit_name(row, "consultant"))
        for key in keys:
            if states[key] in (nboca.EVENT, nboca.NO_EVENT):
                cells[key][(pattern, states[key] == nboca.EVENT, *units)] += 1
    return {key: _standardise(cells[key]) for key in keys}


def _standardise(cells):
    """Fit the model on the distinct (pattern, outcome) rows with their
    counts (the same fit as on every resection) and standardise by provider
    and by consultant. Missing covariates are a level, counted."""
    fit_rows = Counter()
    missing = {}
    for (pattern, event, _, _), n in cells.items():
        fit_rows[(pattern, event)] += n
        for name, level in pattern:
            if level == "missing":
                missing[name] = missing.get(name, 0) + n
    distinct = list(fit_rows)
    fitted = risk.fit([dict(pattern) for pattern, _ in distinct], [event for _, event in distinct],
                      [fit_rows[k] for k in distinct])
    risk_of = {pattern: p for (pattern, _), p in zip(distinct, fitted["predicted"], strict=True)}
    entries = list(cells.items())
    outcomes_, predicted, weights = ([k[1] for k, _ in entries], [risk_of[k[0]] for k, _ in entries],
                                     [n for _, n in entries])
    return {"model": {**fitted, "missing": missing, "predicted": None},
            **{kind: risk.standardise([k[2 + i] for k, _ in entries], outcomes_, predicted, weights)
               for i, kind in enumerate(("provider", "consultant"))}}


def _funnel(summary, key, kind, adjusted):
    overall = summary["measures"]["current"][key]
    theta = overall["events"] / overall["n"] if overall["n"] else 0.0
    points = []
    for (unit_kind, name), tallies in sorted(summary["units"].items(), key=lambda item: str(item[0][1])):
        tally = tallies[key]
        if unit_kind != kind or not tally["n"]:
            continue
        point = {"label": nboca.unit_label(name), "unit": name, "n": tally["n"], "events": tally["events"],
                 "missing": tally["missing"],
                 "crude": tally["events"] / tally["n"], "y": tally["events"] / tally["n"]}
        cell = (adjusted or {}).get(kind, {}).get(name)
        if cell:
            point.update(expected=cell["expected"], ratio=cell["ratio"], adjusted=cell["adjusted"])
            point["y"] = cell["adjusted"] if cell["adjusted"] is not None else point["crude"]
        point["limits"] = funnel.limits(point["n"], theta)
        points.append(point)
    return {"theta": theta, "points": points, "plot": funnel.plot(points, theta) if points else None}


def _months(counts):
    months = sorted({month for month, _ in counts})
    approaches = [a for a in list(codes.SURGICAL_ACCESS_TYPE) + ["not recorded"]
                  if any(key[1] == a for key in counts)]
    return {"months": months, "approaches": approaches,
            "rows": [(m, [counts.get((m, a), 0) for a in approaches]) for m in months]}
