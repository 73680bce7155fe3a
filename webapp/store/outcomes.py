"""Treatment-level analysis across episodes, read from the `treatments`
collection (the seed's "treatment analytics" and "outcome tracking"): how
many treatments of each type in a period, and for operations, by access
approach, the outcomes NBOCA reports. No patient is identified.

One aggregation counts the treatments of each distinct combination of the
stored values the report reads; those combinations are few whatever the
number of treatments (a handful of types and approaches, yes/no answers,
lengths of stay in days), so the result stays small. The values are then
read with the domain's rules, so legacy forms ("Surgery", "yes", "7", 4)
count as what they mean, and a value that says nothing is "not recorded"
and kept out of the rate it would belong to."""
from collections import Counter

from webapp import db
from webapp.domain import codes, periods, validators
from webapp.domain.treatments import canonical_type, type_label

_READ = {"type": "$treatment_type", "opcs": "$opcs4_primary", "access": "$surgical_access_type",
         "rtt": "$return_to_theatre", "anastomosis": "$anastomosis", "leak": "$anastomotic_leak",
         "readmission": "$readmission_30d", "stay": "$length_of_stay_days", "response": "$response"}


# What the period before is read for: the NBOCA report's vocabulary (which
# stored types and OPCS-4 codes are major resections) and its count of the
# surgeries that are not; the treatments table shows the period itself only.
_READ_BEFORE = {"type": "$treatment_type", "opcs": "$opcs4_primary"}


def undated(provider=None):
    """How many treatments have no treatment date, so fall in no period.
    The validators keep anything but a date or null out of the field (an
    unreadable legacy value is kept aside in legacy_values), so this is
    the one way a treatment misses every period: counted through the date
    index, which holds null for a missing date."""
    match = {"treatment_date": None}
    if provider:
        match["provider_organisation"] = provider
    return db.get_treatments_collection().count_documents(match)


def combinations(start, end, provider=None, since=None):
    """[(values, count)] for the treatments from `since` (default: `start`)
    to `end`, grouped on the stored values read here and by the NBOCA
    report (which reads the OPCS-4 code); values["current"] says whether
    they fall in the period itself (start to end). Before `start` only the
    type and the OPCS-4 code are read.

    One command per period, each matching its own date range: a flag
    computed per document would cost an expression on every treatment, and
    the embedded server pays for each (measured: as much as the match)."""
    low = periods.bounds(since or start, end)[0]
    cut, high = periods.bounds(start, end)
    out = [({"current": True, **values}, n) for values, n in _grouped(cut, high, provider, _READ)]
    if since:
        out += [({"current": False, **values}, n) for values, n in _grouped(low, cut, provider, _READ_BEFORE)]
    return out


def _grouped(low, high, provider, key):
    match = {"treatment_date": {"$gte": low, "$lt": high}}
    if provider:
        match["provider_organisation"] = provider
    rows = db.get_treatments_collection().aggregate([{"$match": match}, {"$group": {"_id": key, "n": {"$sum": 1}}}],
                                                    batchSize=db.ONE_REPLY)
    return [(row["_id"], row["n"]) for row in rows]


def report(start, end, provider=None, combos=None):
    """{"treatments": [(type label, count)], "operations": [row per access
    approach, then "All operations"], "responses": [(type label, {RECIST
    code: count})] for the types with a response recorded} for the period,
    and "undated": the treatments in no period. `combos` (from
    `combinations`) saves reading the treatments again."""
    by_type, by_approach, responses = {}, {}, {}
    if combos is None:
        combos = combinations(start, end, provider)
    for values, n in combos:
        if not values["current"]:
            continue
        kind = canonical_type(values.get("type"))
        label = type_label(values.get("type"), default="Not recorded")
        by_type[label] = by_type.get(label, 0) + n
        response = codes.find(codes.RECIST_RESPONSE, values.get("response"))
        if response:
            counts = responses.setdefault(label, dict.fromkeys(codes.RECIST_RESPONSE, 0))
            counts[response] += n
        if kind == "surgery":
            access = codes.find(codes.SURGICAL_ACCESS_TYPE, values.get("access")) or values.get("access")
            approach = codes.label(codes.SURGICAL_ACCESS_TYPE, access, default="Not recorded")
            by_approach.setdefault(approach, []).append((values, n))
    type_order = [codes.TREATMENT_TYPE[k] for k in codes.TREATMENT_TYPE]
    approach_order = list(codes.SURGICAL_ACCESS_TYPE.values())
    operations = [_row(label, by_approach[label]) for label in sorted(by_approach, key=_order(approach_order))]
    if operations:
        operations.append(_row("All operations", [c for label in by_approach for c in by_approach[label]]))
    return {"treatments": sorted(by_type.items(), key=lambda item: _order(type_order)(item[0])),
            "undated": undated(provider),
            "operations": operations,
            "responses": sorted(responses.items(), key=lambda item: _order(type_order)(item[0]))}


def _order(known, last="Not recorded"):
    """Sort key: the code list's order, then codes outside it, then `last`."""
    return lambda label: (known.index(label), "") if label in known else (len(known) + (label == last), label)


def _row(label, combinations):
    operations = rtt = rtt_known = anastomoses = leaks = readmitted = readmission_known = 0
    stays = Counter()
    for values, n in combinations:
        operations += n
        returned = validators.yes_no(values.get("rtt"))
        if returned is not None:
            rtt_known += n
            rtt += n if returned else 0
        if validators.yes_no(values.get("anastomosis")):
            leak = validators.yes_no(values.get("leak"))
            if leak is not None:
                anastomoses += n
                leaks += n if leak else 0
        readmission = validators.yes_no(values.get("readmission"))
        if readmission is not None:
            readmission_known += n
            readmitted += n if readmission else 0
        stay = validators.whole_number(values.get("stay"))
        if stay is not None:
            stays[stay] += n
    return {
        "label": label, "operations": operations,
        "rtt": _rate(rtt, rtt_known), "leak": _rate(leaks, anastomoses),
        "readmission": _rate(readmitted, readmission_known),
        "stay_median": _median(stays), "stays_known": sum(stays.values()),
    }


def _median(counts):
    """The median of values given as {value: how many}."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def nth(k):
        seen = 0
        for value, n in ordered:
            seen += n
            if k < seen:
                return value

    middle = total // 2
    return nth(middle) if total % 2 else (nth(middle - 1) + nth(middle)) / 2


def _rate(count, over):
    return {"count": count, "over": over, "percent": round(100.0 * count / over, 1) if over else None}
