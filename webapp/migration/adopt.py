"""The adopt step: legacy documents onto the app's canonical shape, by a
profile (field paths nested to flat, legacy values to codes, dates as BSON
dates, identifiers decrypted and normalised), and linked: each episode to
its patient by MRN, each tumour and treatment to its episode by the
episode's ObjectId string, whatever key the legacy system used.

Order: patients (twice: a first pass only learns every patient's canonical
MRN and legacy keys, so links and duplicate MRNs are known before anything
is written), then episodes, then tumours and treatments. Per batch the
original of each document that changes is kept in `migration_adopted`
before the document is replaced, so the rollback puts back the very bytes,
and a run killed anywhere resumes: mapping is computed from the original,
and a document already adopted maps to itself.

A value no profile maps is never guessed (see mapping.py); a document that
cannot be linked keeps its legacy link and is listed with the reason; a
patient whose identifiers are encrypted, when no key was given, is left as
it is and listed as needing the key.
"""
from collections import defaultdict

import bson
from pymongo import InsertOne, ReplaceOne
from pymongo.errors import BulkWriteError

from webapp import db
from webapp.domain import legacy_crypto
from webapp.domain.records import ID_FIELD, KINDS
from webapp.migration import apply, mapping, operation, pipeline, profile, report, schema, stats
from webapp.migration.plan import derived_object_id, digest
from webapp.migration.progress import Progress
from webapp.migration.scan import DEFAULT_BATCH, Batches, with_retries
from webapp.store import lease, patients

STEP = "adopt"
COLLECTIONS = ("patients", "episodes", "tumours", "treatments")
LEGACY_PATIENT_ID = patients.LEGACY_LINK  # the link of a patient with no MRN anywhere
UNIQUE = ("mrn", "nhs_number")  # patient identifiers a unique index holds once


def run(*, dry_run=False, profile_name=None, key=None, batch_size=DEFAULT_BATCH, owner=None, var_dir=None,
        on_progress=None, run_id=None, database=None):
    """Adopt (or, with dry_run, count what would change and write nothing).
    Raises profile.UnknownProfile before anything starts, lease.LockHeld if
    another run holds the lease."""
    database = db.resolve(database)
    chosen = profile.load(profile_name)
    return operation.run(
        "dry-run" if dry_run else "run", "adopt",
        lambda run_id, held, heartbeat: _adopt(database, run_id, chosen, key, dry_run, batch_size, on_progress,
                                               heartbeat),
        owner=owner or lease.default_owner(), run_id=run_id, var_dir=var_dir, batch_size=batch_size,
        database=database, leased=not dry_run, step=STEP, options={"profile": chosen.name})


class Links:
    """How documents find each other: patients by any legacy key, episodes
    by their legacy id or ObjectId string."""

    def __init__(self, chosen):
        link = chosen.link
        self.patient_field = link.get("episode_patient_field", "patient_id")
        self.patient_keys = link.get("patient_keys", ["mrn"])
        self.child_field = link.get("child_episode_field", "episode_id")
        self.episode_keys = link.get("episode_keys", ["_id"])
        self.patients = defaultdict(set)  # (key field, value) -> link values (None: needs the key)
        self.episodes = defaultdict(set)  # value -> {(episode ObjectId string, its patient link)}
        self.first_holder = {kind: {} for kind in KINDS}  # a repeated child id -> the document keeping it
        self.holders = {field: {} for field in UNIQUE}  # field -> value -> (rank, the patient keeping it)

    def patient_for(self, value):
        """(link value, None) or (None, why not)."""
        if value is None:
            return None, "it names no patient"
        for field in self.patient_keys:
            found = self.patients.get((field, str(value).strip()))
            if found:
                if None in found:
                    return None, f"its patient ({field} {value}) holds encrypted identifiers and no key was given"
                if len(found) > 1:
                    return None, f"{len(found)} patients have {field} {value}"
                return next(iter(found)), None
        return None, f"no patient has {' or '.join(self.patient_keys)} = {value}"

    def episode_for(self, value):
        if value is None:
            return None, "it names no episode"
        found = self.episodes.get(str(value).strip())
        if not found:
            return None, f"no episode has {' or '.join(self.episode_keys)} = {value}"
        if len(found) > 1:
            return None, f"{len(found)} episodes have the id {value}"
        return next(iter(found)), None


def _key_values(doc, fields, mapper):
    """(field, value) for each legacy key a document holds, decrypted when
    it can be; encrypted ones are skipped without a key."""
    for field in fields:
        value = str(doc["_id"]) if field == "_id" else mapping.get(doc, field)
        if value is None or isinstance(value, (dict, list)):
            continue
        try:
            value = mapper.plain(value)
        except mapping.NeedsKey:
            continue
        if mapper.usable(value):
            yield field, str(value).strip()


class Adoption:
    """One adopt run (or dry run) over a database."""

    def __init__(self, database, run_id, chosen, key, dry_run, batch_size):
        self.database, self.run_id, self.dry_run, self.batch_size = database, run_id, dry_run, batch_size
        self.mapper = mapping.Mapper(chosen, key)
        self.links = Links(chosen)
        self.findings = mapping.Findings()
        self.warnings, self.errors = [], []
        self.resuming = db.collection(db.MIGRATION_ADOPTED, database).find_one({}, {"_id": 1}) is not None

    # --- reading ---------------------------------------------------------------

    def batches(self, collection, warnings):
        reader = Batches(db.collection(collection, self.database), {}, self.batch_size)
        while True:
            batch = with_retries(reader.next, warnings, reader)
            if not batch:
                return
            yield batch, self.originals(collection, batch)
            reader.done(batch)

    def originals(self, collection, batch):
        """doc _id -> the document as it was before adoption, for the batch's
        documents a previous (killed) run already adopted (none to look for
        when no run has kept any)."""
        if not self.resuming:
            return {}
        rows = db.collection(db.MIGRATION_ADOPTED, self.database).find(
            {"_id": {"$in": [_record_id(collection, d["_id"]) for d in batch]}}, {"doc_id": 1, "original": 1})
        return {r["doc_id"]: r["original"] for r in rows}

    # --- the passes ------------------------------------------------------------

    def learn_patients(self, warnings):
        """First pass: every patient's canonical link and legacy keys.
        Returns the patients read, batch by batch, as [(doc, source,
        adopted or None)], so the write pass need not read or map them again."""
        out = []
        for batch, originals in self.batches("patients", warnings):
            done = []
            for doc in batch:
                source = originals.get(doc["_id"], doc)
                keys = list(_key_values(source, self.links.patient_keys, self.mapper))
                try:
                    adopted = self.mapper.adopt("patients", source, self.findings)
                except mapping.NeedsKey:
                    self.findings.needs_key.append(str(doc["_id"]))
                    adopted, link = None, None
                else:
                    link = self._patient_link(adopted, keys, doc)
                for key in keys:
                    self.links.patients[key].add(link)
                done.append((doc, source, adopted))
            out.append(done)
        return out

    def _patient_link(self, adopted, keys, doc):
        """A patient's episodes link to its MRN (several records with one
        MRN all link there), else to its first legacy key. Of records
        sharing an MRN, the one already storing it in plain keeps it (the
        unique index allows no other), else the first in _id order."""
        for field in UNIQUE:
            value = adopted.get(field)
            if value is not None:
                rank = (0 if doc.get(field) == value else 1, doc["_id"])
                held = self.links.holders[field]
                if value not in held or rank < held[value]:
                    held[value] = rank
        mrn = adopted.get("mrn")
        return mrn if mrn is not None else (keys[0][1] if keys else None)

    def adopt_one(self, collection, source, current=None):
        """The canonical document for `source` (the original of `current`),
        linked; None when it must be left as it is (ciphertext and no key)."""
        try:
            adopted = self.mapper.adopt(collection, source, self.findings)
        except mapping.NeedsKey:
            return None
        if collection in KINDS:
            self._own_id(collection, source, current or source, adopted)
        getattr(self, f"_link_{'child' if collection in ('tumours', 'treatments') else collection}")(
            collection, source, adopted)
        return adopted

    def _link_patients(self, collection, source, adopted):
        for field in UNIQUE:
            value = adopted.get(field)
            holder = self.links.holders[field].get(value, (None, None))[1]
            if value is not None and holder not in (None, source["_id"]):
                # One identifier on two records (the same person registered
                # twice): one keeps it, this one shows it as a legacy value.
                adopted.pop(field)
                adopted.setdefault(mapping.LEGACY_VALUES, {})[field] = value
                self.findings.unlink(collection, source["_id"], f"{field} {value} is also patient {holder}'s: "
                                     "merge the two records")
        if adopted.get("mrn") is None and (adopted.get(mapping.LEGACY_VALUES) or {}).get("mrn") not in holders_of(
                self.links):
            # No MRN of its own (none, or none readable): its episodes name
            # it by its first legacy key, as `_patient_link` said.
            keys = list(_key_values(source, self.links.patient_keys, self.mapper))
            if keys:
                adopted[LEGACY_PATIENT_ID] = keys[0][1]
            self.findings.unlink(collection, source["_id"], "no readable MRN: its episodes are linked by its "
                                 f"legacy id {keys[0][1] if keys else '(none)'}; enter the MRN")

    def _link_episodes(self, collection, source, adopted):
        link, why = self.links.patient_for(source.get(self.links.patient_field))
        if link is None:
            self.findings.unlink(collection, source["_id"], why)
        else:
            adopted["patient_id"] = link
        entry = (str(source["_id"]), link if link is not None else source.get(self.links.patient_field))
        for _, value in _key_values(source, self.links.episode_keys, self.mapper):
            self.links.episodes[value].add(entry)

    def learn_repeated_ids(self):
        """Child ids more than one document holds (IMPACT reused
        TUM-<pid>-01 across a patient's episodes): the first in _id order
        keeps its id, the others get a derived one, so the unique index can
        be made."""
        for kind in KINDS:
            field = ID_FIELD[kind]
            rows = db.collection(kind, self.database).aggregate([
                {"$group": {"_id": f"${field}", "n": {"$sum": 1}, "first": {"$min": "$_id"}}},
                {"$match": {"n": {"$gt": 1}}}])
            self.links.first_holder[kind] = {r["_id"]: r["first"] for r in rows}

    def _own_id(self, collection, source, current, adopted):
        field = ID_FIELD[collection]
        value = source.get(field)
        if not isinstance(value, str) or not value.strip():
            return  # no usable id: kept as it is (the first step gives embedded items one)
        renamed = f"{value}-DUP-{str(source['_id'])[-8:].upper()}"
        first = self.links.first_holder[collection].get(value)
        if (first is not None and first != source["_id"]) or current.get(field) == renamed:
            adopted[field] = renamed
            self.findings.unlink(collection, source["_id"], f"{field} {value} is also another document's: "
                                 f"this one is now {renamed}")

    def _link_child(self, collection, source, adopted):
        found, why = self.links.episode_for(source.get(self.links.child_field))
        if found is None:
            self.findings.unlink(collection, source["_id"], why)
            return
        adopted["episode_id"], adopted["patient_id"] = found

    def write(self, collection, changes):
        """Originals kept first, then the documents replaced: a kill between
        the two leaves originals that equal the documents, and the rerun
        adopts them again."""
        if self.dry_run or not changes:
            return len(changes)
        records = [InsertOne({"_id": _record_id(collection, source["_id"]), "collection": collection,
                              "doc_id": source["_id"], "original": source, "adopted": digest(adopted),
                              "run_id": self.run_id}) for source, adopted in changes]
        unkept = dict(_unordered(db.collection(db.MIGRATION_ADOPTED, self.database), records))
        for index, message in unkept.items():
            # No original kept: the document is not replaced (rollback could not restore it).
            self.errors.append({"collection": collection, "id": str(changes[index][0]["_id"]),
                                "message": f"its original could not be kept, so it was left as it is: {message}"})
        changes = [change for n, change in enumerate(changes) if n not in unkept]
        failed = _unordered(db.collection(collection, self.database),
                            [ReplaceOne({"_id": adopted["_id"]}, adopted) for _, adopted in changes])
        for index, message in failed:
            source = changes[index][0]
            self.errors.append({"collection": collection, "id": str(source["_id"]), "message": message})
            db.collection(db.MIGRATION_ADOPTED, self.database).delete_one(
                {"_id": _record_id(collection, source["_id"])})
        return len(changes) - len(failed)


def _mapped(adoption, collection, patients, warnings):
    """Batches of [(doc, source, adopted)]: the patients as the first pass
    mapped them (their links checked now that every holder is known), the
    others read and mapped here."""
    if collection == "patients":
        for batch in patients:
            for _, source, adopted in batch:
                if adopted is not None:
                    adoption._link_patients(collection, source, adopted)
            adoption.findings.seen[collection] += len(batch)
            yield batch
        return
    for batch, originals in adoption.batches(collection, warnings):
        out = []
        for doc in batch:
            source = originals.get(doc["_id"], doc)
            out.append((doc, source, adoption.adopt_one(collection, source, doc)))
        adoption.findings.seen[collection] += len(batch)
        yield out


def _writes(adoption, progress, on_progress, heartbeat):
    """A batch's writes, then its progress saved (in the writer thread)."""

    def write(job):
        collection, changes, size = job
        operation.check_lease(heartbeat, "adopt")  # a batch is written only under the lease
        adoption.findings.changed[collection] += adoption.write(collection, changes)
        progress.advance(size if collection == "episodes" else 0, size)
        report.save_progress(adoption.run_id, progress.as_dict(), adoption.database)
        if on_progress:
            on_progress(progress)

    return write


def holders_of(links):
    """Every MRN some patient keeps (a duplicate shows its holder's)."""
    return links.holders["mrn"]


def _record_id(collection, doc_id):
    return derived_object_id("adopt", collection, str(doc_id))


def _unordered(coll, requests):
    """Unordered bulk write; returns [(index, message)] of the requests that
    failed, other than an original kept already by a killed run."""
    if not requests:
        return []
    try:
        coll.bulk_write(requests, ordered=False)
    except BulkWriteError as exc:
        return [(e["index"], e.get("errmsg", "")) for e in exc.details.get("writeErrors", [])
                if not (e.get("code") == 11000 and coll.name == db.MIGRATION_ADOPTED)]
    return []


def _same(a, b):
    return bson.encode(a) == bson.encode(b)


def _adopt(database, run_id, chosen, key, dry_run, batch_size, on_progress, heartbeat):
    adoption = Adoption(database, run_id, chosen, key, dry_run, batch_size)
    warnings = adoption.warnings
    before = stats.measure(database)
    totals = {c: db.collection(c, database).estimated_document_count() for c in COLLECTIONS}
    progress = Progress(totals["episodes"], sum(totals.values()))
    report.started(run_id, before, progress.as_dict(), database)
    indexes_before = _indexes(database)
    patients = adoption.learn_patients(warnings)
    adoption.learn_repeated_ids()
    with pipeline.Writer(_writes(adoption, progress, on_progress, heartbeat), "adopt-writer") as writer:
        for collection in COLLECTIONS:
            for mapped in _mapped(adoption, collection, patients, warnings):
                changes = [(source, adopted) for doc, source, adopted in mapped
                           if adopted is not None and not _same(adopted, doc)]
                writer.put((collection, changes, len(mapped)))
    if not dry_run and not adoption.errors:
        # The indexes the legacy data did not allow may be made now (not
        # after a failed run: its rollback must find the data as it was).
        warnings.extend(apply.index_warning(refused) for refused in db.init_indexes(database))
        db.init_validators(database)
        made = sorted(_indexes(database) - indexes_before)
    else:
        made = []
    found = adoption.findings.as_report()
    if found["needs_key_total"]:
        warnings.append(f"{found['needs_key_total']} patient(s) hold encrypted identifiers and no key was given: "
                        "left as they are (set LEGACY_FERNET_KEY, or LEGACY_KEY_FILE and LEGACY_SALT_FILE)")
    return {"before": before, "after": stats.measure(database), "counts": found["documents_changed"],
            "warnings": warnings, "errors": adoption.errors, "adopt": found, "progress": progress.as_dict(),
            "indexes_made": [list(pair) for pair in made],
            "notes": ["a dry run: nothing was written; the counts are what a run would change"] if dry_run else []}


def _indexes(database):
    """(collection, index name) of every index on the adopted collections."""
    return {(name, index) for name in COLLECTIONS for index in db.collection(name, database).index_information()}


def key_from(config):
    """The Fernet key from settings: LEGACY_FERNET_KEY itself, or derived
    from IMPACT's own key file and salt file (as IMPACT derives it). None
    when none is set. Raises ValueError saying what is wrong otherwise."""
    if config.get("LEGACY_FERNET_KEY"):
        return config["LEGACY_FERNET_KEY"].strip().encode("ascii")
    key_file, salt_file = config.get("LEGACY_KEY_FILE"), config.get("LEGACY_SALT_FILE")
    if not key_file and not salt_file:
        return None
    if not (key_file and salt_file):
        raise ValueError("set both LEGACY_KEY_FILE and LEGACY_SALT_FILE (or LEGACY_FERNET_KEY)")
    try:
        with open(key_file, "rb") as fh:
            password = fh.read()
        with open(salt_file, "rb") as fh:
            salt = fh.read()
    except OSError as exc:
        raise ValueError(f"cannot read the legacy key: {exc.strerror} ({exc.filename})") from None
    return legacy_crypto.derive_key(password, salt)


def rollback(*, batch_size=DEFAULT_BATCH, owner=None, var_dir=None, on_progress=None, run_id=None, database=None):
    """Put every adopted document back as it was, byte for byte, unless it
    was changed through the app since (left, and listed)."""
    database = db.resolve(database)
    return operation.run(
        "rollback", "adopt rollback",
        lambda run_id, held, heartbeat: _rollback(database, run_id, batch_size, on_progress, heartbeat),
        owner=owner or lease.default_owner(), run_id=run_id, var_dir=var_dir, batch_size=batch_size,
        database=database, step=STEP)


def _rollback(database, run_id, batch_size, on_progress, heartbeat):
    records = db.collection(db.MIGRATION_ADOPTED, database)
    before = stats.measure(database)
    progress = Progress(0, records.estimated_document_count())
    report.started(run_id, before, progress.as_dict(), database)
    db.clear_validators(database)
    warnings, errors = [], []
    # Indexes the adopted data allowed (unique ids once repeats were
    # renamed) would refuse the originals: they go with the adoption.
    for name, index in _indexes_made(database):
        if index in db.collection(name, database).index_information():
            db.collection(name, database).drop_index(index)
    counts = {"restored": 0, "changed_since": 0, "deleted_since": 0}
    reader = Batches(records, {}, batch_size)
    while True:
        batch = with_retries(reader.next, warnings, reader)
        if not batch:
            break
        done = _restore(database, batch, counts, warnings)
        # A document changed since keeps its original here, for a person (or
        # a later rollback) to use: only what was put back, or is gone, goes.
        records.delete_many({"_id": {"$in": done}})
        reader.done(batch)
        progress.advance(0, len(batch))
        report.save_progress(run_id, progress.as_dict(), database)
        if on_progress:
            on_progress(progress)
        operation.check_lease(heartbeat, "adopt rollback")
    return {"before": before, "after": stats.measure(database), "counts": counts, "warnings": warnings,
            "errors": errors, "progress": progress.as_dict()}


def _indexes_made(database):
    for entry in reversed(schema.applied(database)):
        if entry["step"] == STEP and entry.get("run_id"):
            run = report.get(entry["run_id"], database) or {}
            return [tuple(pair) for pair in run.get("indexes_made", [])]
    return []


def _restore(database, batch, counts, warnings):
    """Put back what can be; returns the ids of the records that are done with."""
    done = []
    by_collection = defaultdict(list)
    for record in batch:
        by_collection[record["collection"]].append(record)
    for collection, group in by_collection.items():
        coll = db.collection(collection, database)
        current = {d["_id"]: d for d in coll.find({"_id": {"$in": [r["doc_id"] for r in group]}})}
        replacements = []
        for record in group:
            doc = current.get(record["doc_id"])
            if doc is None:
                counts["deleted_since"] += 1
                done.append(record["_id"])
                warnings.append(f"{collection} {record['doc_id']} was deleted since it was adopted: not restored")
            elif digest(doc) != record["adopted"] and not _same(doc, record["original"]):
                counts["changed_since"] += 1
                warnings.append(f"{collection} {record['doc_id']} was changed through the app since it was "
                                f"adopted: left as it is (its original is kept in {db.MIGRATION_ADOPTED})")
            else:
                replacements.append(ReplaceOne({"_id": record["doc_id"]}, record["original"]))
                done.append(record["_id"])
        if replacements:
            coll.bulk_write(replacements, ordered=False)
            counts["restored"] += len(replacements)
    return done


def verify(database=None, batch_size=DEFAULT_BATCH):
    """Every adopted document is still what the step wrote (and its original
    is kept for the way back). Returns the differences."""
    database = db.resolve(database)
    out = []
    reader = Batches(db.collection(db.MIGRATION_ADOPTED, database), {}, batch_size)
    while batch := reader.next():
        reader.done(batch)
        for collection in COLLECTIONS:
            group = {r["doc_id"]: r for r in batch if r["collection"] == collection}
            if not group:
                continue
            current = {d["_id"]: d for d in db.collection(collection, database).find({"_id": {"$in": list(group)}})}
            for doc_id, record in group.items():
                doc = current.get(doc_id)
                if doc is None:
                    out.append(f"{collection} {doc_id} (adopted) is gone")
                elif digest(doc) != record["adopted"]:
                    out.append(f"{collection} {doc_id} differs from what the adopt step wrote")
    return out
