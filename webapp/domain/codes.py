"""Code lists: the one place for every coded value the system stores, shows,
validates or exports (COSD v9.0.1 data items, NBOCA-only items, and our own
enumerations). Forms take their choices from here, validators check against
here, the COSD builder and the XSDs are generated from (or tested equal to)
these dicts. Each list maps the stored code to its meaning, in display order.
"""

# --- Patients ---------------------------------------------------------------

# CR3170 person stated gender
STATED_GENDER = {"1": "Male", "2": "Female", "9": "Indeterminate", "X": "Not known"}

# CR0150 ethnic category
ETHNIC_CATEGORY = {
    "A": "White - British", "B": "White - Irish", "C": "White - any other background",
    "D": "Mixed - White and Black Caribbean", "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian", "G": "Mixed - any other background",
    "H": "Asian - Indian", "J": "Asian - Pakistani", "K": "Asian - Bangladeshi",
    "L": "Asian - any other background", "M": "Black - Caribbean", "N": "Black - African",
    "P": "Black - any other background", "R": "Chinese", "S": "Any other ethnic group",
    "Z": "Not stated", "99": "Not known",
}

# CR1350 NHS number status indicator
NHS_NUMBER_STATUS = {
    "01": "Number present and verified", "02": "Number present but not traced",
    "03": "Trace required", "04": "Trace attempted - no match or multiple match found",
    "05": "Trace needs to be resolved", "06": "Trace in progress",
    "07": "Number not present and trace not required", "08": "Trace postponed (baby under six weeks old)",
}

# Where a date of death came from (our own list; NBOCA links ONS deaths).
DEATH_SOURCE = {
    "pds": "NHS Spine (PDS)", "ons": "ONS death registration", "hospital": "Died in this hospital",
    "gp": "GP or other hospital", "relative": "Family or carer", "other": "Other",
}

# --- Episodes ---------------------------------------------------------------

EPISODE_STATUS = {"open": "Open", "closed": "Closed"}

# CR1600 source of referral for out-patients (the ones a colorectal service sees)
REFERRAL_SOURCE = {
    "03": "GP referral", "17": "National screening programme (bowel cancer screening)",
    "01": "Following an emergency admission", "10": "Following an A&E attendance",
    "05": "Referral from a consultant (other than in A&E)", "11": "Other - initiated by the consultant",
    "06": "Self-referral", "97": "Other - not initiated by the consultant",
}

# CR0510 adult (WHO) performance status
PERFORMANCE_STATUS = {
    "0": "0 - fully active", "1": "1 - restricted in strenuous activity",
    "2": "2 - ambulatory, self-caring, unable to work", "3": "3 - limited self-care, in bed or chair over half the day",
    "4": "4 - completely disabled", "9": "Not recorded",
}

# CR0460 cancer care plan intent (the MDT outcome's intent)
CARE_PLAN_INTENT = {"C": "Curative", "Z": "Non-curative", "X": "No active treatment", "9": "Not known"}

# MDT outcome (our own list: what the MDT decided next)
MDT_OUTCOME = {
    "surgery": "Surgery", "neoadjuvant": "Neoadjuvant therapy then review",
    "chemotherapy": "Chemotherapy", "radiotherapy": "Radiotherapy",
    "palliative": "Best supportive / palliative care", "surveillance": "Surveillance",
    "further_investigation": "Further investigation", "other": "Other",
}

# --- Tumours ----------------------------------------------------------------

TUMOUR_TYPE = {"primary": "Primary", "metastasis": "Metastasis", "recurrence": "Recurrence"}

# ICD-10 colorectal sites in NBOCA's scope (C18-C20). Stored with the dot.
COLORECTAL_SITES = {
    "C18.0": "Caecum", "C18.1": "Appendix", "C18.2": "Ascending colon",
    "C18.3": "Hepatic flexure", "C18.4": "Transverse colon", "C18.5": "Splenic flexure",
    "C18.6": "Descending colon", "C18.7": "Sigmoid colon", "C18.8": "Overlapping lesion of colon",
    "C18.9": "Colon, unspecified", "C19": "Rectosigmoid junction", "C20": "Rectum",
}
# Codes the service records but NBOCA excludes (anal cancer since April 2022).
OUT_OF_SCOPE_SITES = {
    "C21.0": "Anus, unspecified",
    "C21.1": "Anal canal",
    "C21.8": "Overlapping lesion of rectum, anus and anal canal",
}
ICD10_SITES = {**COLORECTAL_SITES, **OUT_OF_SCOPE_SITES}

# SNOMED CT morphology (CR6400), the ones colorectal pathology reports use.
SNOMED_MORPHOLOGY = {
    "35917007": "Adenocarcinoma, no subtype",
    "72495009": "Mucinous adenocarcinoma",
    "87737001": "Signet ring cell carcinoma",
    "443961001": "Malignant adenomatous neoplasm",
    "128628002": "Medullary carcinoma",
}

# CR0410 grade of differentiation
GRADE = {
    "GX": "Cannot be assessed",
    "G1": "Well differentiated",
    "G2": "Moderately differentiated",
    "G3": "Poorly differentiated",
    "G4": "Undifferentiated",
}

TNM_VERSION = {"8": "UICC 8th edition", "7": "UICC 7th edition"}
# CR6980 TNM coding edition
TNM_CODING_EDITION = {"1": "UICC", "2": "AJCC", "3": "ENETS"}
# Staging prefixes: c clinical, p pathological, y after neoadjuvant therapy.
TNM_PREFIX = {
    "c": "c - clinical",
    "p": "p - pathological",
    "yc": "yc - clinical after therapy",
    "yp": "yp - pathological after therapy",
}
# Colorectal TNM 8 categories, stored without the letter (COSD convention).
T_CATEGORY = {c: "T" + c for c in ["X", "0", "is", "1", "2", "3", "4a", "4b"]}
N_CATEGORY = {c: "N" + c for c in ["X", "0", "1a", "1b", "1c", "2a", "2b"]}
M_CATEGORY = {c: "M" + c for c in ["X", "0", "1a", "1b", "1c"]}

CRM_STATUS = {
    "clear": "Clear (> 1 mm)",
    "involved": "Involved (<= 1 mm)",
    "not_applicable": "Not applicable",
    "unknown": "Not known",
}
EMVI = {"present": "Present", "absent": "Absent", "unknown": "Not known"}

# --- Treatments -------------------------------------------------------------

# Our treatment types, each with the COSD modality (CR2040) it exports as.
TREATMENT_TYPE = {
    "surgery": "Surgery",
    "chemotherapy": "Chemotherapy",
    "radiotherapy": "Radiotherapy",
    "immunotherapy": "Immunotherapy",
    "endoscopic": "Endoscopic treatment",
    "palliative": "Palliative care / other",
}
TREATMENT_TYPE_MODALITY = {
    "surgery": "01",
    "chemotherapy": "02",
    "radiotherapy": "05",
    "immunotherapy": "15",
    "endoscopic": "97",
    "palliative": "07",
}

# CR2040 cancer treatment modality (registration)
TREATMENT_MODALITY = {
    "01": "Surgery",
    "02": "Anti-cancer drug regimen (cytotoxic chemotherapy)",
    "03": "Anti-cancer drug regimen (hormone therapy)",
    "04": "Chemoradiotherapy",
    "05": "Teletherapy (external beam radiotherapy)",
    "06": "Brachytherapy",
    "07": "Specialist palliative care",
    "08": "Active monitoring",
    "09": "Non-specialist palliative care",
    "10": "Radiofrequency ablation",
    "11": "High intensity focused ultrasound",
    "12": "Cryotherapy",
    "13": "Proton therapy",
    "14": "Anti-cancer drug regimen (other)",
    "15": "Anti-cancer drug regimen (immunotherapy)",
    "16": "Light therapy",
    "17": "Hyperbaric oxygen therapy",
    "19": "Radioisotope therapy",
    "20": "Laser treatment",
    "21": "Biological therapies",
    "22": "Radiosurgery",
    "97": "Other treatment",
    "98": "All treatment declined",
}

# CR0680 cancer treatment intent
TREATMENT_INTENT = {
    "01": "Curative",
    "02": "Palliative",
    "03": "Disease modification",
    "04": "Diagnostic",
    "05": "Staging",
    "06": "Uncertain",
    "09": "Not known",
    "98": "Other",
}

# CR6540 adjunctive therapy
ADJUNCTIVE_THERAPY = {"1": "Adjuvant", "2": "Neoadjuvant", "3": "Not applicable (primary treatment)", "9": "Not known"}

# CR6310 surgical access type
SURGICAL_ACCESS_TYPE = {
    "1": "Open",
    "2": "Laparoscopic - planned conversion to open",
    "3": "Laparoscopic - unplanned conversion to open",
    "4": "Laparoscopic - completed",
    "5": "Robotic",
    "Z": "Not applicable",
}

# CR8500 surgical admission type
SURGICAL_ADMISSION_TYPE = {"1": "Elective", "2": "Emergency", "9": "Not known"}

# NBOCA-only: NCEPOD classification of intervention. The class name is stored
# (numeric codes are not settled).
NCEPOD_URGENCY = {
    "emergency": "Immediate (emergency)",
    "urgent": "Urgent",
    "expedited": "Expedited",
    "elective": "Elective",
}

# CR6010 ASA physical status
ASA_SCORE = {
    "1": "ASA 1 - healthy",
    "2": "ASA 2 - mild systemic disease",
    "3": "ASA 3 - severe systemic disease",
    "4": "ASA 4 - severe disease, constant threat to life",
    "5": "ASA 5 - moribund",
    "6": "ASA 6 - brain-dead organ donor",
}

# CR6480 unplanned return to theatre; also our generic yes/no/not known.
YES_NO_UNKNOWN = {"Y": "Yes", "N": "No", "9": "Not known"}

CLAVIEN_DINDO = {"I": "I", "II": "II", "IIIa": "IIIa", "IIIb": "IIIb", "IVa": "IVa", "IVb": "IVb", "V": "V (death)"}
ANASTOMOTIC_LEAK_GRADE = {
    "A": "A - no change in management",
    "B": "B - active intervention without relaparotomy",
    "C": "C - relaparotomy",
}
STOMA_TYPE = {"none": "No stoma", "ileostomy": "Ileostomy", "colostomy": "Colostomy"}

# Tumour response to a systemic or radiation treatment, RECIST 1.1.
RECIST_RESPONSE = {
    "CR": "Complete response",
    "PR": "Partial response",
    "SD": "Stable disease",
    "PD": "Progressive disease",
    "NE": "Not evaluable",
}

CHEMO_TIMING = {"neoadjuvant": "Neo-adjuvant", "adjuvant": "Adjuvant", "palliative": "Palliative"}
RADIOTHERAPY_COURSE = {
    "short": "Short course (25 Gy in 5)",
    "long": "Long course (chemoradiotherapy)",
    "other": "Other",
}

# NBOCA major resection OPCS-4 codes (3-character categories and 4-character codes).
MAJOR_RESECTION_OPCS = (
    "H04",
    "H05",
    "H06",
    "H07",
    "H09",
    "H10",
    "H11",
    "H29",
    "H33",
    "X14",
    "H404",
    "H411",
    "H414",
    "H479",
)


def label(code_list, code, default="—"):
    """The meaning of `code` in `code_list`, for display."""
    if code is None or code == "":
        return default
    return code_list.get(str(code), str(code))


def find(code_list, value):
    """The code in `code_list` that a stored value means, however it was
    written (4 for "4", "Surgery" for "surgery", or its label), or None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if text in code_list:
        return text
    folded = text.casefold()
    for code, meaning in code_list.items():
        if folded in (code.casefold(), meaning.casefold()):
            return code
    return None


def is_major_resection(opcs4):
    code = (opcs4 or "").replace(".", "").upper()
    return any(code.startswith(prefix) for prefix in MAJOR_RESECTION_OPCS)


# --- COSD export (appended for the NBOCA submission) --------------------------

# CR0380 tumour laterality. The bowel is not a paired organ: the export sends
# "8" (not applicable) unless a tumour records its own laterality.
LATERALITY = {"L": "Left", "R": "Right", "M": "Midline", "B": "Bilateral", "8": "Not applicable", "9": "Not known"}

# CR6490 SNOMED version of the morphology code (ours are SNOMED CT: "05").
SNOMED_VERSION = {
    "01": "SNOMED II",
    "02": "SNOMED 3",
    "03": "SNOMED 3.5",
    "04": "SNOMED RT",
    "05": "SNOMED CT",
    "99": "Not known",
}

# CR6980 coding edition of each TNM version we store (both are UICC editions).
TNM_VERSION_CODING_EDITION = {"8": "1", "7": "1"}

# CR0750 (v9) / CR9080 (v10) discharge destination (hospital provider spell).
DISCHARGE_DESTINATION = {
    "19": "Usual place of residence",
    "29": "Temporary place of residence",
    "30": "Repatriation from high security psychiatric accommodation",
    "37": "Court",
    "38": "Penal establishment or police station",
    "48": "High security psychiatric hospital, Scotland",
    "49": "NHS other hospital provider - high security psychiatric accommodation",
    "50": "NHS other hospital provider - medium secure unit",
    "51": "NHS other hospital provider - general ward",
    "52": "NHS other hospital provider - maternity or neonates",
    "53": "NHS other hospital provider - mental illness or learning disabilities",
    "54": "NHS run care home",
    "65": "Local authority residential accommodation",
    "66": "Local authority foster care",
    "79": "Not applicable - patient died",
    "84": "Non-NHS run hospital - medium secure unit",
    "85": "Non-NHS (other than local authority) run care home",
    "87": "Non-NHS run hospital",
    "88": "Non-NHS (other than local authority) run hospice",
    "98": "Not applicable - spell not finished",
    "99": "Not known",
}

# CR9080 (COSD v10) destination of discharge (hospital provider spell): the
# data dictionary's current list, as published for the v10-era COSD by
# Nottingham's nuh-data (cosd.yaml, DestinationOfDischargeHospitalProviderSpell).
# Against the v9 list above it adds 40, 42, 55, 56 and 89 and drops 38, 54,
# 65 and 85 (the UK Core code system that still holds those is retired).
DISCHARGE_DESTINATION_V10 = {
    "19": "Usual place of residence",
    "29": "Temporary place of residence",
    "30": "Repatriation from high security psychiatric accommodation",
    "37": "Court",
    "40": "Penal establishment",
    "42": "Police station or police custody suite",
    "48": "High security psychiatric hospital, Scotland",
    "49": "NHS other hospital provider - high security psychiatric accommodation",
    "50": "NHS other hospital provider - medium secure unit",
    "51": "NHS other hospital provider - general ward",
    "52": "NHS other hospital provider - maternity or neonates",
    "53": "NHS other hospital provider - mental illness or learning disabilities",
    "55": "Care home with nursing",
    "56": "Care home without nursing",
    "66": "Local authority foster care",
    "79": "Patient died or still birth",
    "84": "Independent sector hospital - medium secure unit",
    "87": "Independent sector hospital - excluding medium secure unit",
    "88": "Hospice",
    "89": "Organisation responsible for forced repatriation",
    "98": "Not applicable - spell not finished",
    "99": "Not known",
}

# CR6960 metastatic type and CR6970 metastatic site (COSD v9.0.1), for the
# metastases recorded at diagnosis.
METASTATIC_TYPE = {"01": "Local", "02": "Regional", "03": "Distant"}
METASTATIC_SITE = {
    "02": "Brain",
    "03": "Liver",
    "04": "Lung",
    "07": "Unknown metastatic site",
    "08": "Skin",
    "09": "Distant lymph nodes",
    "10": "Bone (excluding bone marrow)",
    "11": "Bone marrow",
    "12": "Regional lymph nodes",
    "97": "Not applicable",
    "98": "Other metastatic site",
}

# --- Follow-up after curative resection (surveillance) -------------------------
# What a planned follow-up event is, where it stands, and what it found. The
# schedule that plans them is domain/surveillance.py.

FOLLOW_UP_KIND = {
    "cea": "CEA blood test",
    "ct": "CT chest, abdomen and pelvis",
    "colonoscopy": "Colonoscopy",
}
FOLLOW_UP_STATUS = {"planned": "Planned", "done": "Done", "not_done": "Not done", "cancelled": "Cancelled"}
CT_FINDING = {
    "ned": "No evidence of disease",
    "indeterminate": "Indeterminate: further imaging needed",
    "local_recurrence": "Local recurrence suspected",
    "metastasis": "Distant metastasis suspected",
}
COLONOSCOPY_FINDING = {
    "normal": "Normal",
    "polyps": "Polyps (removed or to be removed)",
    "anastomotic_recurrence": "Recurrence at the anastomosis suspected",
    "new_cancer": "New (metachronous) cancer suspected",
    "incomplete": "Incomplete examination",
}
FOLLOW_UP_NOT_DONE = {
    "declined": "Patient declined",
    "dna": "Did not attend",
    "unfit": "Not appropriate (fitness or patient's wishes)",
    "elsewhere": "Done elsewhere, result not available",
    "died": "Patient died",
    "other": "Other (say in the notes)",
}

# --- Response to treatment (issue 13.6) ---------------------------------------
# Not in the NBOCA export: the COSD v9.0.1 colorectal record has no item for
# tumour regression or response to neo-adjuvant therapy (checked against its
# element tree; the regression grade belongs to the pathology report, which
# COSD v9 moved to its separate Pathology data set). They stay in the record,
# its pages and the timeline.

# Pathological tumour regression grade of the resection specimen after
# neo-adjuvant therapy: the AJCC/CAP four-tier grade (modified Ryan), as the
# RCPath colorectal cancer dataset (G049) asks pathologists to report it.
TUMOUR_REGRESSION_GRADE = {
    "0": "TRG 0 - complete response",
    "1": "TRG 1 - near-complete response",
    "2": "TRG 2 - partial response",
    "3": "TRG 3 - poor or no response",
}

# How a response was assessed.
RESPONSE_METHOD = {
    "mri": "MRI",
    "ct": "CT",
    "endoscopy": "Endoscopy",
    "clinical_exam": "Clinical examination (including digital rectal examination)",
}
# The scales a response is graded on, each with its results. Result codes
# are unique across scales, so a stored result says which scale it is on.
RESPONSE_SCALE = {
    "recist": "RECIST 1.1",
    "mrtrg": "mrTRG 1-5 (MRI tumour regression grade)",
    "clinical": "Clinical response (watch and wait)",
}
# MRI tumour regression grade (MERCURY group), for rectal cancer after
# (chemo)radiotherapy.
MR_TRG = {
    "mrTRG1": "mrTRG 1 - complete radiological response",
    "mrTRG2": "mrTRG 2 - good response (dense fibrosis, no obvious residual tumour)",
    "mrTRG3": "mrTRG 3 - moderate response (more than half fibrosis or mucin, visible residual tumour)",
    "mrTRG4": "mrTRG 4 - slight response (mostly residual tumour)",
    "mrTRG5": "mrTRG 5 - no response",
}
# The watch-and-wait assessment by endoscopy and examination (with MRI).
CLINICAL_RESPONSE = {
    "clinical_complete": "Clinical complete response (cCR)",
    "clinical_near_complete": "Near-complete clinical response",
    "clinical_incomplete": "Incomplete clinical response",
}
RESPONSE_SCALE_RESULTS = {"recist": RECIST_RESPONSE, "mrtrg": MR_TRG, "clinical": CLINICAL_RESPONSE}
RESPONSE_RESULT = {code: meaning for results in RESPONSE_SCALE_RESULTS.values() for code, meaning in results.items()}
# The methods each scale is assessed by: RECIST 1.1 measures on CT or MRI,
# mrTRG is MRI by definition, a clinical response is judged by endoscopy and
# examination (with MRI).
RESPONSE_SCALE_METHODS = {
    "recist": ("ct", "mri"),
    "mrtrg": ("mri",),
    "clinical": ("endoscopy", "clinical_exam", "mri"),
}
