"""Treatment-level analysis across episodes, read from the `treatments`
collection (the seed's "treatment analytics" and "outcome tracking"): how
many treatments of each type in a period, and for operations, by access
approach, the outcomes NBOCA reports. Two aggregations, whatever the number
of treatments; no patient is identified."""
from statistics import median

from webapp import db
from webapp.domain import codes, periods


def _match(start, end, provider, **extra):
    low, high = periods.bounds(start, end)
    match = {"treatment_date": {"$gte": low, "$lt": high}, **extra}
    if provider:
        match["provider_organisation"] = provider
    return match


def treatment_counts(start, end, provider=None):
    """[(type label, count)] for the period, in the code list's order, then
    any type outside it."""
    found = {row["_id"]: row["n"] for row in db.get_treatments_collection().aggregate([
        {"$match": _match(start, end, provider)},
        {"$group": {"_id": "$treatment_type", "n": {"$sum": 1}}},
    ])}
    ordered = [(label, found.pop(code)) for code, label in codes.TREATMENT_TYPE.items() if code in found]
    return ordered + sorted((str(code or "not recorded"), n) for code, n in found.items())


def _count(condition):
    return {"$sum": {"$cond": [condition, 1, 0]}}


def surgery_outcomes(start, end, provider=None):
    """One row per surgical access approach, then a total row: operations,
    unplanned returns to theatre (over operations where it was recorded Y or
    N), anastomotic leaks (over operations with an anastomosis), readmissions
    within 30 days, and the median length of stay (over those recorded)."""
    groups = list(db.get_treatments_collection().aggregate([
        {"$match": _match(start, end, provider, treatment_type="surgery")},
        {"$group": {
            "_id": "$surgical_access_type",
            "operations": {"$sum": 1},
            "rtt_recorded": _count({"$in": ["$return_to_theatre", ["Y", "N"]]}),
            "rtt": _count({"$eq": ["$return_to_theatre", "Y"]}),
            "anastomoses": _count({"$eq": ["$anastomosis", True]}),
            "leaks": _count({"$and": [{"$eq": ["$anastomosis", True]}, {"$eq": ["$anastomotic_leak", True]}]}),
            "readmissions": _count({"$eq": ["$readmission_30d", True]}),
            # Only operations in the period: a hospital's year is hundreds.
            "stays": {"$push": "$length_of_stay_days"},
        }},
    ]))
    order = list(codes.SURGICAL_ACCESS_TYPE)
    groups.sort(key=lambda g: (order.index(g["_id"]) if g["_id"] in order else len(order), str(g["_id"])))
    rows = [_row(codes.SURGICAL_ACCESS_TYPE.get(g["_id"], "Not recorded"), [g]) for g in groups]
    if rows:
        rows.append(_row("All operations", groups))
    return rows


def _row(label, groups):
    def total(key):
        return sum(g[key] for g in groups)

    stays = [s for g in groups for s in g["stays"] if isinstance(s, (int, float)) and not isinstance(s, bool)]
    return {
        "label": label, "operations": total("operations"),
        "rtt": _rate(total("rtt"), total("rtt_recorded")),
        "leak": _rate(total("leaks"), total("anastomoses")),
        "readmission": _rate(total("readmissions"), total("operations")),
        "stay_median": median(stays) if stays else None, "stays_known": len(stays),
    }


def _rate(count, over):
    return {"count": count, "over": over, "percent": round(100.0 * count / over, 1) if over else None}
