"""One legacy document onto the canonical shape, by a profile (pure: no
database). The adopt step calls `adopt` for every document and writes what
changed; the dry run calls it and only counts.

Rules, the same for every collection:
- a canonical field takes the first usable value among its legacy paths
  (missing, None, a sub-document or list, or a profile null value is not
  usable); every path it read is removed, and containers left empty go too;
- the value is then read as the field's kind: a date (BSON date, or text in
  one of the profile's formats), a code (the profile's table, or already a
  code of that table), an identifier (the domain's normalisers), a number,
  or text;
- a value that cannot be read is never guessed: it goes to
  `legacy_values.<field>` as it was, and is counted by field and value;
- fields no profile path reads stay where they are, and are counted.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import bson

from webapp import db
from webapp.domain import legacy_crypto, nhs_number, validators
from webapp.domain import treatments as treatment_fields
from webapp.domain.records import PATHOLOGY_NUMBERS, TUMOUR_FIELDS
from webapp.migration.profile import fold

LEGACY_VALUES = "legacy_values"
# Kept as they are by every mapping: identity, bookkeeping, stamps.
BOOKKEEPING = {"_id", "version", "created_at", "last_modified_at", "migration", LEGACY_VALUES, "notes"}


def _declared(collection, kind):
    """The canonical fields VALIDATORS declares of one BSON kind."""
    props = db.VALIDATORS[collection]["$jsonSchema"]["properties"]
    return {name for name, spec in props.items() if kind in spec["bsonType"]}


NUMBERS = {c: _declared(c, "double") for c in db.VALIDATORS}
NUMBERS["tumours"] |= {f"pathology.{name}" for name in PATHOLOGY_NUMBERS}
IDENTIFIERS = {"mrn": validators.normalise_mrn, "nhs_number": nhs_number.normalise,
               "postcode": validators.normalise_postcode, "opcs4_primary": validators.normalise_opcs4,
               "provider_organisation": validators.normalise_ods, "treatment_site": validators.normalise_ods}
# What the app itself stores, so the demo profile (and a canonical document
# under any profile) reports nothing as unmapped.
CANONICAL = {
    "patients": set(db.VALIDATORS["patients"]["$jsonSchema"]["properties"]),
    "episodes": set(db.VALIDATORS["episodes"]["$jsonSchema"]["properties"]) | {"lead_clinician", "episode_type"},
    "tumours": {"tumour_id", "episode_id", "patient_id", *TUMOUR_FIELDS},
    "treatments": {"treatment_id", "episode_id", "patient_id", *treatment_fields.COMMON_FIELDS,
                   *treatment_fields.ALL_TYPE_FIELDS, treatment_fields.PATHWAY_FIELD, treatment_fields.PROTOCOL_FIELD},
}


class NeedsKey(Exception):
    """The document holds ciphertext and no key was given."""


@dataclass
class Findings:
    """What a run saw, for the dry run and the report."""

    changed: Counter = field(default_factory=Counter)  # collection -> documents changed
    seen: Counter = field(default_factory=Counter)  # collection -> documents read
    unmapped_fields: Counter = field(default_factory=Counter)  # (collection, path) -> documents
    unmapped_values: Counter = field(default_factory=Counter)  # (collection, field, value) -> documents
    defaults: Counter = field(default_factory=Counter)  # (collection, field, value) -> documents given it
    unlinked: list = field(default_factory=list)  # {collection, id, reason}
    needs_key: list = field(default_factory=list)  # patient ids holding ciphertext, no key given

    def unlink(self, collection, doc_id, reason):
        self.unlinked.append({"collection": collection, "id": str(doc_id), "reason": reason})

    def as_report(self, limit=1000):
        return {
            "documents_read": dict(self.seen), "documents_changed": dict(self.changed),
            "unmapped_fields": [{"collection": c, "field": p, "documents": n}
                                for (c, p), n in self.unmapped_fields.most_common(limit)],
            "unmapped_values": [{"collection": c, "field": f, "value": v, "documents": n}
                                for (c, f, v), n in self.unmapped_values.most_common(limit)],
            "defaults": [{"collection": c, "field": f, "value": v, "documents": n}
                         for (c, f, v), n in self.defaults.most_common(limit)],
            "unlinked": self.unlinked[:limit], "unlinked_total": len(self.unlinked),
            "needs_key": self.needs_key[:limit], "needs_key_total": len(self.needs_key),
        }


def copy(doc):
    """A deep copy that keeps key order and BSON types (fast: C both ways)."""
    return bson.decode(bson.encode(doc))


def get(doc, path):
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def put(doc, path, value):
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def remove(doc, path):
    """Remove `path`, then any container it leaves empty."""
    parts = path.split(".")
    trail = [doc]
    for part in parts[:-1]:
        node = trail[-1].get(part)
        if not isinstance(node, dict):
            return
        trail.append(node)
    trail[-1].pop(parts[-1], None)
    for depth in range(len(parts) - 1, 0, -1):
        if trail[depth]:
            break
        trail[depth - 1].pop(parts[depth - 1], None)


class Mapper:
    """A profile applied to documents; `key` decrypts ciphertext (None: no key given)."""

    def __init__(self, profile, key=None):
        self.profile = profile
        self.key = key
        self.targets = {c: {f: set(t.values()) for f, t in profile.values[c].items()} for c in profile.values}

    def usable(self, value):
        if value is None or isinstance(value, (dict, list)):
            return False
        return not (isinstance(value, str) and fold(value) in self.profile.null_values)

    def plain(self, value):
        """The value, decrypted when it is ciphertext. A value the key does
        not open (damaged, or text that only looks encrypted) is returned as
        it is, and is then unreadable like any other odd value."""
        if not legacy_crypto.is_encrypted(value):
            return value
        if self.key is None:
            raise NeedsKey()
        try:
            return legacy_crypto.decrypt(value, self.key)
        except legacy_crypto.DecryptionError:
            return value

    def adopt(self, collection, doc, findings):
        """The canonical document for `doc` (links are the caller's). Raises
        NeedsKey when it holds ciphertext and no key was given."""
        out = copy(doc)
        legacy = dict(out.pop(LEGACY_VALUES, None) or {})
        mapped = self.profile.paths(collection)
        # Read every value from the original first, then clear every path
        # read, then place: a path two fields read, or a sub-document whose
        # parts go to several fields, is handled whatever the order.
        values = {name: self._first(doc, paths) for name, paths in mapped.items()}
        for name, paths in mapped.items():
            for path in paths:
                if path != name:
                    self._clear(out, path, values[name])
        for name, value in values.items():
            self._place(collection, out, name, value, legacy, findings)
        self._defaults(collection, out, legacy, findings)
        if legacy:
            out[LEGACY_VALUES] = legacy
        self._count_unmapped(collection, out, findings)
        return out

    def _defaults(self, collection, out, legacy, findings):
        for name, (value, when) in self.profile.defaults.get(collection, {}).items():
            if get(out, name) is None and name not in legacy and (when is None or get(out, when) is not None):
                put(out, name, value)
                findings.defaults[(collection, name, value)] += 1

    def _clear(self, out, path, chosen):
        """A path a field read goes once it holds what was chosen or nothing;
        a different value stays where it is (decrypted), counted as
        unmapped, never dropped (a hospital number beside the MRN)."""
        value = get(out, path)
        if isinstance(value, (dict, list)):
            return
        if value is not None:
            value = self.plain(value)
        if value is None or not self.usable(value) or value == chosen or str(value).strip() == str(chosen):
            remove(out, path)
        else:
            put(out, path, value)

    def _first(self, doc, paths):
        for path in paths:
            value = get(doc, path)
            if value is None or isinstance(value, (dict, list)):
                continue
            value = self.plain(value)
            if self.usable(value):
                return value
        return None

    def _place(self, collection, out, name, value, legacy, findings):
        current = get(out, name)
        if isinstance(current, (dict, list)) and current:
            # A container under the canonical name (a legacy sub-document):
            # kept whole beside the record rather than overwritten.
            legacy[f"{name}.kept"] = current
        if value is None:
            if not isinstance(current, (dict, list)) and current is not None and not self.usable(current):
                remove(out, name)  # "nan" and friends: nothing recorded
            elif isinstance(current, (dict, list)):
                remove(out, name)
            return
        read, ok = self.read(collection, name, value)
        if ok:
            put(out, name, read)
            return
        remove(out, name)
        legacy[name] = value
        findings.unmapped_values[(collection, name, str(value)[:80])] += 1

    def read(self, collection, name, value):
        """(canonical value, True) or (None, False) when it cannot be read."""
        if name in self.profile.dates.get(collection, ()):
            parsed = self.date(value)
            return parsed, parsed is not None
        table = self.profile.values.get(collection, {}).get(name)
        if table is not None:
            if fold(value) in table:
                return table[fold(value)], True
            return (value, True) if value in self.targets[collection][name] else (None, False)
        if name in IDENTIFIERS:
            normalised = IDENTIFIERS[name](str(value))
            return normalised, normalised is not None
        if name in NUMBERS.get(collection, ()):
            return _number(value)
        if isinstance(value, (datetime, bool)):
            return value, True
        return (value.strip() if isinstance(value, str) else str(value)), True

    def date(self, value):
        return validators.legacy_datetime(value, self.profile.date_formats)

    def _count_unmapped(self, collection, out, findings):
        known = CANONICAL[collection] | BOOKKEEPING | set(self.profile.paths(collection))
        known |= {p.split(".")[0] for p in self.profile.paths(collection)}
        for key, value in out.items():
            if key in known:
                continue
            if isinstance(value, dict) and value:
                for sub in value:
                    findings.unmapped_fields[(collection, f"{key}.{sub}")] += 1
            else:
                findings.unmapped_fields[(collection, key)] += 1


def _number(value):
    if isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        return value, True
    try:
        number = float(str(value).strip())
    except ValueError:
        return None, False
    return (int(number) if number.is_integer() else number), True
