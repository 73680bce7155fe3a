"""One NBOCA export: select, map, check and write every in-scope record in
one pass, then put the header (which needs the final record count) in front.
Records go to a spooled temporary file as they are written, so memory stays
flat, and are validated against the project XSD as they go; the file is
hashed before anyone is offered it. The route and the CLI both call
`prepare` and send `chunks()`, so they write the same bytes.
"""
import hashlib
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone

from webapp.domain import validators
from webapp.export import completeness, record, scope, source, versions, writer

SPOOL_IN_MEMORY = 4 * 1024 * 1024
CHUNK = 64 * 1024
# Used only so a record can be validated before the real header exists.
_PROVISIONAL_ORGANISATION = "AAA"
SUBMISSION_ID_NAMESPACE = uuid.UUID("0b7d9a8e-5c1f-4e0a-b0f6-2f6d3c9e8a17")



@dataclass(frozen=True)
class Request:
    version: str
    start: date
    end: date
    provider: str = None

    def describe(self):
        return {"version": self.version, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "provider": self.provider}


class SystemClock:
    def now(self):
        return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)

    def submission_id(self, request):
        return str(uuid.uuid4())


class FixedClock:
    """For tests and reproducible files: a pinned creation time, and a
    submission id derived from it and the request."""

    def __init__(self, when):
        self.when = when.replace(microsecond=0)

    def now(self):
        return self.when

    def submission_id(self, request):
        key = f"{self.when.isoformat()}|{request.version}|{request.start}|{request.end}|{request.provider or ''}"
        return str(uuid.uuid5(SUBMISSION_ID_NAMESPACE, key))


class Export:
    """The outcome of `prepare`: counts, what was left out and why, what
    text was changed, completeness, and (when written) the file itself."""

    def __init__(self, request):
        self.request = request
        self.row = versions.get(request.version)
        self.in_scope = 0
        self.exported = 0
        self.minors = 0
        self.left_out = []
        # Records diagnosed after the version's last accepted date: left out,
        # to be sent in a later version's file.
        self.other_version = []
        # Changes made to fit the file, in the records sent: tumour, item, before, after.
        self.changes = []
        # Optional sections (treatments) left out of records that were sent.
        self.dropped = []
        self.completeness = completeness.Completeness()
        self.providers = Counter()
        self.organisation = None
        self.submission_id = None
        self.created = None
        self.header = b""
        self.spool = None
        self.sha256 = None
        self.valid = False
        self.header_problem = False
        self.message = ""
        self.seconds = None

    @property
    def filename(self):
        r = self.request
        return f"nboca-{self.organisation or 'none'}-cosd-v{r.version}-{r.start}-to-{r.end}.xml"

    def chunks(self):
        """The file, in pieces."""
        yield self.header
        self.spool.seek(0)
        while True:
            piece = self.spool.read(CHUNK)
            if not piece:
                break
            yield piece
        yield writer.ROOT_CLOSE

    def close(self):
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def summary(self):
        """What the audit log keeps about this export."""
        return {**self.request.describe(), "organisation": self.organisation, "submission_id": self.submission_id,
                "record_count": self.exported, "in_scope": self.in_scope, "left_out": len(self.left_out),
                "other_version": len(self.other_version), "text_changed": len(self.changes),
                "treatments_left_out": len(self.dropped), "sha256": self.sha256, "filename": self.filename,
                "seconds": self.seconds,
                "created": self.created.isoformat() if self.created else None}


def _tumour_row(tumour, reasons, mrn=None):
    """A tumour as the page lists it (left out, or not selected): who, when,
    why, and the episode to fix it in."""
    return {"tumour_id": tumour.get("tumour_id"), "episode_id": str(tumour.get("episode_id") or ""),
            "mrn": mrn or tumour.get("patient_id"), "diagnosis_date": _day_shown(tumour.get("diagnosis_date")),
            "reasons": reasons}


def _day_shown(value):
    # ISO for a date (the page shows it in the clinical form); a value that
    # is not one is shown as what it is, never read as a day.
    return record.day(value) if record.readable_day(value) else record.shown(value)


def _leave_out(export, bundle, reasons):
    export.left_out.append(_tumour_row(bundle.tumour, reasons, (bundle.patient or {}).get("mrn")))


def _header_values(export, organisation, count):
    r = export.request
    return {"Id": export.submission_id, "OrganisationIdentifierCodeOfSubmittingOrganisation": organisation,
            "RecordCount": str(count), "ReportingPeriodStartDate": r.start.isoformat(),
            "ReportingPeriodEndDate": r.end.isoformat(),
            "FileCreationDateTime": export.created.strftime("%Y-%m-%dT%H:%M:%S")}


def prepare(request, clock=None, organisation=None, write=True, database=None, check_each=False):
    """Run the export. With write=False only the counts, left-out list and
    completeness are produced (the page's preview).

    Each value is checked against its type (the types the XSD is generated
    from) and a record with a bad or missing value is left out; the whole
    file is then validated with lxml. Should lxml still reject it (a value
    the type checks let through), the export runs again validating each
    record with lxml on its own (`check_each`), so the offending records are
    left out and listed rather than the file being refused."""
    started = time.perf_counter()
    export = _prepare(request, clock, organisation, write, database, check_each)
    if write and not export.valid and export.exported and not check_each and not export.header_problem:
        export.close()
        export = _prepare(request, clock, organisation, write, database, True)
    # Kept with the export's audit entry: how long a submission takes to
    # make, one of the figures the service watches.
    export.seconds = round(time.perf_counter() - started, 2)
    return export


def _prepare(request, clock, organisation, write, database, check_each):
    clock = clock or SystemClock()
    export = Export(request)
    export.created = clock.now()
    export.submission_id = clock.submission_id(request)
    version = request.version
    opening = writer.root_open(export.row["namespace"])
    provisional, _ = writer.build_header(version, _header_values(export, _PROVISIONAL_ORGANISATION, 1))
    # Only the record-by-record retry needs one (see `prepare`).
    validator = writer.RecordValidator(version, export.row["namespace"], provisional) if check_each else None
    first_record = None
    if write:
        export.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
        records_check = writer.StreamValidator(version)
        records_check.feed(opening + provisional)

    for bundle in source.bundles(request.start, request.end, database=database):
        reasons = _screen(export, request, bundle)
        if reasons is None:
            continue
        built = _record(export, version, bundle, validator)
        if not _sendable(export, bundle, reasons + built.problems):
            continue
        export.exported += 1
        export.providers[bundle.episode.get("provider_organisation")] += 1
        _keep_notes(export, bundle, built)
        if write:
            export.spool.write(built.text)
            records_check.feed(built.text)
            first_record = first_record or built.text

    export.organisation = request.provider or (organisation or "").strip().upper() or _most_common(export.providers)
    if not write:
        return export
    if export.exported == 0:
        export.message = "No record in scope can be exported, so there is no file to send."
        return export
    header, problems = writer.build_header(version, _header_values(export, export.organisation, export.exported))
    if problems:
        export.header_problem = True
        export.message = "The file header is not valid: " + "; ".join(problems)
        return export
    export.header = opening + header
    export.valid, message, export.header_problem = _validate(version, export, records_check, first_record)
    digest = hashlib.sha256()
    for piece in export.chunks():
        digest.update(piece)
    export.sha256 = digest.hexdigest()
    if not export.valid:
        export.message = "The file does not validate against the schema: " + message
    return export


def _screen(export, request, bundle):
    """Whether a tumour is the file's business: None when it is not (another
    provider's, or a child's, counted), else the reasons it cannot be sent
    whatever its items say (empty when there are none)."""
    episode, patient, tumour = bundle.episode, bundle.patient, bundle.tumour
    reasons = []
    if episode is None:
        if request.provider:
            return None  # cannot be attributed to the provider asked for
        reasons.append(f"episode {tumour.get('episode_id')} of patient {tumour.get('patient_id')} not found")
    elif request.provider and episode.get("provider_organisation") != request.provider:
        return None
    if patient is None:
        reasons.append(f"patient {tumour.get('patient_id')} not found")
    elif scope.is_adult_at(patient.get("date_of_birth"), tumour.get("diagnosis_date")) is False:
        # An unreadable birth date gives None here: the record is not judged
        # a child's, and record.py lists it with the reason.
        export.minors += 1
        return None
    export.in_scope += 1
    return reasons


def _record(export, version, bundle, validator):
    """The record as built (writer.Built), counted for completeness."""
    values = record.values(bundle.tumour, bundle.episode or {}, bundle.patient or {}, bundle.treatments,
                           bundle.metastases)
    export.completeness.add(bundle, values)
    built = writer.build_record(version, values)
    if validator is not None and not built.problems:
        error = validator.error(built.text)
        if error:
            built.problems = [f"the record does not fit the schema: {error}"]
    return built


def _sendable(export, bundle, problems):
    """Whether the record goes in the file; if not, it is listed with why.
    A diagnosis the version does not accept is listed as such first: the
    record belongs in the later version's file, where any other problem
    is shown again."""
    until = export.row["diagnoses_until"]
    if _beyond(until, bundle.tumour.get("diagnosis_date")):
        export.other_version.append(_tumour_row(bundle.tumour, [
            f"diagnosed after {until:{validators.DAY}}: NDRS does not accept {export.row['label']} for it; "
            "send it in a COSD v10 file"], (bundle.patient or {}).get("mrn")))
        return False
    if problems:
        _leave_out(export, bundle, problems)
        return False
    return True


def _keep_notes(export, bundle, built):
    """What was changed or left out of a record that is sent (only those: a
    record left out is listed with its reasons instead)."""
    where = {"tumour_id": bundle.tumour.get("tumour_id"), "episode_id": str(bundle.tumour.get("episode_id")),
             "mrn": (bundle.patient or {}).get("mrn")}
    export.changes.extend({**where, **c} for c in built.changes)
    export.dropped.extend({**where, **d} for d in built.dropped)


def _validate(version, export, records_check, first_record):
    """Whether the file (real header, records, end of root) fits the schema.
    The records were validated as they were written, behind a provisional
    header that differs from the real one only in its organisation and
    count; the real header is validated here in front of the first record.
    The schema is a plain sequence with no identity constraint linking the
    header to the records, so the file is valid exactly when both parts are,
    and the file is not read again just to validate it. Returns (ok,
    message, whether the header is what failed)."""
    records_check.feed(writer.ROOT_CLOSE)
    ok, message = records_check.close()
    if not ok:
        return False, message, False
    ok, message = writer.validate_stream(version, (export.header, first_record, writer.ROOT_CLOSE))
    return ok, message, not ok


def near_misses(request, database=None):
    """Tumours diagnosed in the period that look as if they belong in the
    audit but are not selected, because a code is written in another form
    (see scope.near_miss): listed for staff to fix, never exported with a
    guessed code. Two queries: the passed-over tumours, then (for a provider)
    their episodes."""
    found = []
    for tumour in source.passed_over(request.start, request.end, database):
        reasons = scope.near_miss(tumour)
        if reasons:
            found.append(_tumour_row(tumour, reasons))
    return _for_provider(request, found, database)


def undated(request, database=None):
    """Colorectal primaries whose diagnosis date is not a date, which no
    period's selection can find (see scope.undated): listed for staff to
    fix, never exported on a guessed date. Two queries, as near_misses."""
    found = []
    for tumour in source.undated(database):
        reasons = scope.undated(tumour, request.start, request.end)
        if reasons:
            found.append(_tumour_row(tumour, reasons))
    return _for_provider(request, found, database)


def _for_provider(request, found, database):
    if request.provider and found:
        episodes = source.episodes_by_id({f["episode_id"] for f in found}, database)
        found = [f for f in found
                 if (episodes.get(f["episode_id"]) or {}).get("provider_organisation") == request.provider]
    return found


def _beyond(last_accepted, diagnosed):
    return last_accepted is not None and isinstance(diagnosed, datetime) and diagnosed.date() > last_accepted


def _most_common(counter):
    if not counter:
        return None
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0] or ""))[0][0]
