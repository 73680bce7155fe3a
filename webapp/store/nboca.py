"""NBOCA's surgical outcome measures for a period (and the one before it),
by provider and consultant, read with three aggregations whatever the
number of records:

1. the treatments of the two periods grouped by (type, OPCS-4 code): the
   domain says which stored types mean surgery and which codes are major
   resections, so legacy forms count and the excluded operations are
   counted;
2. the tumours grouped by (type, site): which stored types mean "primary",
   and how to rank a tumour's site (in scope, out of scope, unreadable);
3. the major resections, joined without $lookup (a $unionWith of tumours,
   patients and linked treatments grouped by the patient's MRN: one pass over
   each collection, where a $lookup would cost a query per resection), one
   row per patient and period (the first resection), and finally grouped by
   the distinct combinations of every value the rules read.

The rules (domain/nboca.py) then read each combination with its count: the
measures, the population's exclusions, and the risk model's covariate
patterns (a logistic fit on grouped rows with frequency weights is the fit
on the rows)."""
from datetime import datetime, timedelta

from webapp import db
from webapp.domain import codes, funnel, nboca, periods, risk, validators
from webapp.domain.treatments import canonical_type

DAY_MS = 86_400_000
_RAW = {"prov": "$r.prov", "cons": "$r.cons", "acc": "$r.acc", "admission": "$r.admission", "asa": "$r.asa",
        "anastomosis": "$r.anastomosis", "leak": "$r.leak", "rtt": "$r.rtt", "los": "$r.los",
        "readmission": "$r.readmission", "stoma": "$r.stoma", "opcs": "$r.opcs"}


def windows(start, end):
    """(previous start, start, end): the previous period has the same length
    and ends the day before this one starts."""
    length = end - start
    previous_end = start - timedelta(days=1)
    return previous_end - length, start, end


def _surgery_vocabulary(low, cut, high, provider):
    match = {"treatment_date": {"$gte": low, "$lt": high}}
    if provider:
        match["provider_organisation"] = provider
    rows = db.collection(db.TREATMENTS).aggregate([
        {"$match": match},
        {"$group": {"_id": {"type": "$treatment_type", "opcs": "$opcs4_primary",
                            "per": {"$cond": [{"$gte": ["$treatment_date", cut]}, "current", "previous"]}},
                    "n": {"$sum": 1}}}])
    types, opcs, not_major = set(), set(), {"current": 0, "previous": 0}
    for row in rows:
        key = row["_id"]
        if canonical_type(key.get("type")) != "surgery":
            continue
        if codes.is_major_resection(validators.normalise_opcs4(key.get("opcs"))):
            types.add(key.get("type"))
            opcs.add(key.get("opcs"))
        else:
            not_major[key["per"]] += row["n"]
    return sorted(types, key=repr), sorted(opcs, key=repr), not_major


def _tumour_vocabulary():
    rows = db.collection(db.TUMOURS).aggregate([
        {"$group": {"_id": {"type": "$tumour_type", "site": "$icd10_code"}}}])
    primary, in_scope, out_scope = set(), set(), set()
    for row in rows:
        key = row["_id"]
        if codes.find(codes.TUMOUR_TYPE, key.get("type")) != "primary":
            continue
        primary.add(key.get("type"))
        site = nboca.site_of(key.get("site"))
        if site in codes.COLORECTAL_SITES and site != nboca.APPENDIX:
            in_scope.add(key.get("site"))
        elif site not in (None, "?"):
            out_scope.add(key.get("site"))
    return sorted(primary, key=repr), sorted(in_scope, key=repr), sorted(out_scope, key=repr)


def _variants(code):
    return [code, f"{code[:3]}.{code[3:]}", code.lower(), f"{code[:3]}.{code[3:]}".lower()]


def _days(later, earlier):
    return {"$floor": {"$divide": [{"$subtract": [later, earlier]}, DAY_MS]}}


def _is_date(path):
    return {"$eq": [{"$type": path}, "date"]}


def _age_band(dob, when):
    years = {"$subtract": [{"$subtract": [{"$year": when}, {"$year": dob}]},
                           {"$cond": [{"$lt": [{"$add": [{"$multiply": [{"$month": when}, 100]},
                                                         {"$dayOfMonth": when}]},
                                               {"$add": [{"$multiply": [{"$month": dob}, 100]},
                                                         {"$dayOfMonth": dob}]}]}, 1, 0]}]}
    branches = [{"case": {"$gte": ["$$age", low]}, "then": label} for low, label in reversed(nboca.AGE_BANDS)]
    return {"$cond": [_is_date(dob), {"$let": {"vars": {"age": years}, "in": {
        "$switch": {"branches": branches, "default": None}}}}, None]}


def _earliest(items):
    return {"$reduce": {"input": items, "initialValue": None, "in": {"$cond": [
        {"$or": [{"$eq": ["$$value", None]}, {"$lt": ["$$this.d", "$$value.d"]}]}, "$$this", "$$value"]}}}


def _tumour_of_episode(in_scope, out_scope):
    rank = {"$cond": [{"$in": ["$$t.s", in_scope]}, 0, {"$cond": [{"$in": ["$$t.s", out_scope]}, 1, 2]}]}
    ranked = {"$map": {"input": {"$filter": {"input": "$t", "as": "t", "cond": {"$eq": ["$$t.e", "$r.e"]}}},
                       "as": "t", "in": {"x": rank, "s": "$$t.s", "T": "$$t.T", "N": "$$t.N", "M": "$$t.M",
                                         "crm": "$$t.crm", "nodes": "$$t.nodes"}}}
    return {"$reduce": {"input": ranked, "initialValue": None, "in": {"$cond": [
        {"$or": [{"$eq": ["$$value", None]}, {"$lt": ["$$this.x", "$$value.x"]}]}, "$$this", "$$value"]}}}


def _sources(primary):
    """The $unionWith stages: each primary tumour and each patient, as small
    rows keyed by MRN."""
    tnm = "$tnm_staging.pathological"
    return [
        {"$unionWith": {"coll": db.TUMOURS, "pipeline": [
            {"$match": {"tumour_type": {"$in": primary}}},
            {"$project": {"_id": 0, "k": "$patient_id", "t": {
                "e": "$episode_id", "s": "$icd10_code", "T": f"{tnm}.t", "N": f"{tnm}.n", "M": f"{tnm}.m",
                "crm": "$pathology.crm_status", "nodes": "$pathology.lymph_nodes_examined"}}}]}},
        {"$unionWith": {"coll": db.PATIENTS, "pipeline": [
            {"$project": {"_id": 0, "k": "$mrn", "p": {"dob": "$date_of_birth", "sex": "$sex",
                                                       "dod": "$date_of_death"}}}]}},
    ]


def _row_stage(cut, today, in_scope, out_scope):
    """One resection (with its patient, tumour and links) as the row the
    rules read: raw stored values, plus day counts computed from dates."""
    dod, dis = "$p.dod", "$r.dis"
    reversal = {"$min": {"$map": {
        "input": {"$filter": {"input": "$v", "as": "v", "cond": {"$and": [
            {"$eq": ["$$v.f", "$r.id"]}, _is_date("$$v.d")]}}},
        "as": "v", "in": _days("$$v.d", "$r.d")}}}
    return {"$project": {
        "_id": 0, "id": "$r.id", "e": "$r.e",
        "per": {"$cond": [{"$gte": ["$r.d", cut]}, "current", "previous"]},
        "month": {"$dateToString": {"format": "%Y-%m", "date": "$r.d"}},
        **_RAW,
        "age": _age_band("$p.dob", "$r.d"), "sex": "$p.sex",
        "death_days": {"$cond": [_is_date(dod), _days(dod, "$r.d"),
                                 {"$cond": [{"$in": [{"$type": dod}, ["missing", "null"]]}, None, "unusable"]}]},
        "fu90": {"$lte": [{"$add": ["$r.d", nboca.MORTALITY_DAYS * DAY_MS]}, today]},
        "fu548": {"$lte": [{"$add": ["$r.d", nboca.STOMA_DAYS * DAY_MS]}, today]},
        "discharge_days": {"$cond": [_is_date(dis), _days(dis, "$r.d"), None]},
        "reversal_days": reversal,
        "site": "$tu.s", "t": "$tu.T", "n": "$tu.N", "m": "$tu.M", "crm": "$tu.crm", "nodes": "$tu.nodes"}}


def pipeline(start, end, provider=None, today=None, unit=None):
    """The aggregation on `treatments` (with the two vocabulary commands it
    needs run first). `unit` = ("provider"|"consultant", value) keeps one
    unit's resections and returns rows with their ids (the records behind a
    number); otherwise rows are grouped into combinations with a count.
    None for the stages when the period holds no major resection."""
    prev_start, start, end = windows(start, end)
    low, cut = periods.bounds(prev_start, start)[0], periods.bounds(start, end)[0]
    high = periods.bounds(start, end)[1]
    today = today or datetime.combine(validators.today(), datetime.min.time())
    types, opcs, not_major = _surgery_vocabulary(low, cut, high, provider)
    if not types:
        return None, not_major
    primary, in_scope, out_scope = _tumour_vocabulary()
    match = {"treatment_date": {"$gte": low, "$lt": high}, "treatment_type": {"$in": types},
             "opcs4_primary": {"$in": opcs}}
    if provider:
        match["provider_organisation"] = provider
    if unit:
        match[{"provider": "provider_organisation", "consultant": "consultant_surgeon"}[unit[0]]] = unit[1]
    # Linked treatments with a stoma-closure code are read in the same pass.
    linked = {"follows_treatment_id": {"$type": "string"},
              "opcs4_primary": {"$in": [v for code in nboca.STOMA_CLOSURE_OPCS for v in _variants(code)]}}
    is_resection = {"$and": [{"$gte": ["$treatment_date", low]}, {"$lt": ["$treatment_date", high]},
                             {"$in": ["$treatment_type", types]}, {"$in": ["$opcs4_primary", opcs]}]}
    stages = [
        {"$match": {"$or": [match, linked]}},
        {"$project": {"_id": 0, "k": "$patient_id", "v": {"$cond": [
            {"$eq": [{"$type": "$follows_treatment_id"}, "string"]},
            {"f": "$follows_treatment_id", "d": "$treatment_date"}, "$$REMOVE"]},
            "r": {"$cond": [is_resection, {
            "id": "$treatment_id", "d": "$treatment_date", "e": "$episode_id", "prov": "$provider_organisation",
            "cons": "$consultant_surgeon", "acc": "$surgical_access_type", "admission": "$admission_type",
            "asa": "$asa_grade", "anastomosis": "$anastomosis", "leak": "$anastomotic_leak",
            "rtt": "$return_to_theatre", "los": "$length_of_stay_days", "dis": "$discharge_date",
            "readmission": "$readmission_30d", "stoma": "$stoma", "opcs": "$opcs4_primary"}, "$$REMOVE"]}}},
        *_sources(primary),
        {"$group": {"_id": "$k", "r": {"$push": "$r"}, "t": {"$push": "$t"}, "p": {"$push": "$p"},
                    "v": {"$push": "$v"}}},
        {"$match": {"_id": {"$ne": None}, "r": {"$ne": []}}},
        # NBOCA counts patients: each one's first major resection in each period.
        {"$project": {"t": 1, "v": 1, "p": {"$arrayElemAt": ["$p", 0]}, "r": {"$concatArrays": [
            [_earliest({"$filter": {"input": "$r", "as": "x", "cond": {"$gte": ["$$x.d", cut]}}})],
            [_earliest({"$filter": {"input": "$r", "as": "x", "cond": {"$lt": ["$$x.d", cut]}}})]]}}},
        {"$unwind": "$r"},
        {"$match": {"r": {"$ne": None}}},
        {"$addFields": {"tu": _tumour_of_episode(in_scope, out_scope)}},
        _row_stage(cut, today, in_scope, out_scope),
    ]
    if not unit:
        stages += [{"$project": {"id": 0, "e": 0}},
                   {"$group": {"_id": "$$ROOT", "n": {"$sum": 1}}}]
    return stages, not_major


def combinations(start, end, provider=None, today=None):
    """([(row, count)], {"current"/"previous": major-resection-less surgeries})."""
    stages, not_major = pipeline(start, end, provider, today)
    if stages is None:
        return [], not_major
    return [(row["_id"], row["n"]) for row in db.collection(db.TREATMENTS).aggregate(stages)], not_major


def unit_rows(start, end, provider, unit, today=None):
    """The resections (with ids, episode ids) of one provider or consultant."""
    stages, _ = pipeline(start, end, provider, today, unit)
    if stages is None:
        return []
    return list(db.collection(db.TREATMENTS).aggregate(stages))


def report(start, end, provider=None, today=None):
    """Everything the dashboard shows, from the three aggregations: the
    population and its exclusions, each measure this period and the one
    before (with Wilson intervals), resections per month by access
    approach, and per measure a funnel by provider and by consultant (with
    risk-adjusted rates for the adjusted measures)."""
    combos, not_major = combinations(start, end, provider, today)
    summary = nboca.summarise(combos)
    for period, n in not_major.items():
        if n:
            summary["population"][period]["excluded"]["not a major resection (OPCS-4)"] = n
    adjusted = {m.key: _adjust(combos, m.key) for m in nboca.MEASURES if m.adjusted}
    measures = []
    for m in nboca.MEASURES:
        now, before = summary["measures"]["current"][m.key], summary["measures"]["previous"][m.key]
        measures.append({"measure": m, "current": _with_interval(now), "previous": _with_interval(before),
                         "funnels": {kind: _funnel(summary, m.key, kind, adjusted.get(m.key))
                                     for kind in ("provider", "consultant")},
                         "model": (adjusted.get(m.key) or {}).get("model")})
    return {"measures": measures, "population": summary["population"], "months": _months(summary["months"]),
            "items_missing": summary["items_missing"], "choices": nboca.CHOICES}


def _with_interval(tally):
    interval = funnel.wilson(tally["events"], tally["n"])
    return {**tally, "rate": tally["events"] / tally["n"] if tally["n"] else None, "interval": interval}


def _adjust(combos, key):
    """Fit the model over this period's recorded outcomes and standardise by
    provider and by consultant. Missing covariates are a level, counted."""
    rows, outcomes, weights, providers, consultants = [], [], [], [], []
    missing = {}
    for row, count in combos:
        if row.get("per") != "current" or nboca.exclusion(row):
            continue
        state = nboca.states(row)[key]
        if state not in (nboca.EVENT, nboca.NO_EVENT):
            continue
        covariates = nboca.covariates(row)
        for name, level in covariates.items():
            if level == "missing":
                missing[name] = missing.get(name, 0) + count
        rows.append(covariates)
        outcomes.append(state == nboca.EVENT)
        weights.append(count)
        providers.append(nboca.unit_name(row, "provider"))
        consultants.append(nboca.unit_name(row, "consultant"))
    fitted = risk.fit(rows, outcomes, weights)
    return {"model": {**fitted, "missing": missing, "predicted": None},
            "provider": risk.standardise(providers, outcomes, fitted["predicted"], weights),
            "consultant": risk.standardise(consultants, outcomes, fitted["predicted"], weights)}


def _funnel(summary, key, kind, adjusted):
    overall = summary["measures"]["current"][key]
    theta = overall["events"] / overall["n"] if overall["n"] else 0.0
    points = []
    for (unit_kind, name), tallies in sorted(summary["units"].items(), key=lambda item: str(item[0][1])):
        tally = tallies[key]
        if unit_kind != kind or not tally["n"]:
            continue
        point = {"label": name, "n": tally["n"], "events": tally["events"], "missing": tally["missing"],
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
