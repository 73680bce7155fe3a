"""ICD-10 as COSD carries it (PrimaryDiagnosisIcd, 4-6 characters): without
the dot, and a three-character category filled with "X" to four (C20 ->
C20X), as the NHS 4-character ICD-10 convention does. We store codes with
the dot (C18.7) and without a filler (C20)."""


def cosd_icd10(code):
    compact = (code or "").replace(".", "").strip().upper()
    return compact + "X" if len(compact) == 3 else compact
