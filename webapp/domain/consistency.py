"""Answers that contradict each other within one record, refused with a
message for the field to mark: the forms call these, tests call them
directly. Each takes the record's fields as stored (yes/no as True / False /
None for not known) and returns [(field, message)]. Pure."""

from webapp.domain import validators

# CRM "involved" means a margin of 1 mm or less (the code list's own words).
CRM_INVOLVED_MAX_MM = 1.0


def surgery(fields):
    out = []
    leak, anastomosis = fields.get("anastomotic_leak"), fields.get("anastomosis")
    if fields.get("anastomotic_leak_grade") and leak is not True:
        out.append(("anastomotic_leak_grade", "A leak grade means there was a leak: answer “Anastomotic leak” "
                                              "Yes, or clear the grade."))
    if leak is True and anastomosis is False:
        out.append(("anastomotic_leak", "An anastomotic leak needs an anastomosis, but “Anastomosis formed” "
                                        "says No: correct one of them."))
    needs_grade = validators.leak_needs_grade(leak is True, fields.get("anastomotic_leak_grade"))
    if needs_grade:
        out.append(("anastomotic_leak_grade", needs_grade))
    if fields.get("clavien_dindo_grade") and fields.get("complications") is not True:
        out.append(("clavien_dindo_grade", "A Clavien-Dindo grade means there was a complication: answer "
                                           "“Complications” Yes, or clear the grade."))
    needs_grade = validators.complication_needs_grade(fields.get("complications") is True,
                                                      fields.get("clavien_dindo_grade"))
    if needs_grade:
        out.append(("clavien_dindo_grade", needs_grade))
    return out


def tumour(pathology):
    """The pathology sub-document's contradictions (CRM status against the
    distance measured)."""
    status, distance = pathology.get("crm_status"), pathology.get("crm_distance_mm")
    if distance is None or isinstance(distance, bool) or not isinstance(distance, (int, float)):
        return []
    if status == "involved" and distance > CRM_INVOLVED_MAX_MM:
        return [("crm_distance_mm", f"An involved margin is 1 mm or less, but the distance is {distance:g} mm: "
                                    "correct the CRM status or the distance.")]
    if status == "clear" and distance <= CRM_INVOLVED_MAX_MM:
        return [("crm_distance_mm", f"A clear margin is more than 1 mm, but the distance is {distance:g} mm: "
                                    "correct the CRM status or the distance.")]
    return []
