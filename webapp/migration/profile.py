"""Adoption profiles: how one legacy system's documents map onto the app's
canonical shape, as data (`profiles/<name>.toml`, read with tomllib). The
adopt step reads nothing else about the legacy system.

A profile names, per collection, where each canonical field may be found
(`fields`), which canonical fields are dates (`dates`), what each legacy
value of a coded field means (`values`), which strings mean "nothing
recorded" (`null_values`), which fields may hold ciphertext (`encryption`),
and how documents find each other (`link`). See profiles/impact.toml for
the conventions, in its header.
"""
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from webapp.domain.records import KINDS

PROFILES = Path(__file__).resolve().parent / "profiles"
DEFAULT = "demo"
COLLECTIONS = ("patients", "episodes", *KINDS)


class UnknownProfile(ValueError):
    def __init__(self, name):
        super().__init__(f"no adoption profile named {name!r}: choose one of {', '.join(names())}")


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    null_values: frozenset = frozenset()
    date_formats: tuple = ()
    encrypted: frozenset = frozenset()
    fields: dict = field(default_factory=dict)  # collection -> {canonical: (legacy paths...)}
    dates: dict = field(default_factory=dict)  # collection -> {canonical date fields}
    values: dict = field(default_factory=dict)  # collection -> {canonical: {folded legacy value: code}}
    link: dict = field(default_factory=dict)
    # collection -> {canonical: (value, only when this canonical field is present)}:
    # what the source system as a whole implies where a record says nothing
    # (one trust's system: its provider code), applied only to empty fields
    # and counted in the report.
    defaults: dict = field(default_factory=dict)

    def paths(self, collection):
        return self.fields.get(collection, {})

    def consumed(self, collection):
        """Every legacy path some canonical field reads."""
        return {p for paths in self.paths(collection).values() for p in paths}


def names():
    return sorted(p.stem for p in PROFILES.glob("*.toml"))


def fold(value):
    """How a legacy value is matched against a table: trimmed, case-folded
    text; booleans as true/false; whole floats as integers (4.0 is "4")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().casefold()


def load(name=None):
    name = name or DEFAULT
    path = PROFILES / f"{name}.toml"
    if name not in names():
        raise UnknownProfile(name)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return Profile(
        name=raw.get("name", name),
        title=raw.get("title", name),
        null_values=frozenset(fold(v) for v in raw.get("null_values", [])),
        date_formats=tuple(raw.get("date_formats", [])),
        encrypted=frozenset((raw.get("encryption") or {}).get("fields", [])),
        fields={c: {k: tuple(v) for k, v in (raw.get("fields") or {}).get(c, {}).items()} for c in COLLECTIONS},
        dates={c: frozenset((raw.get("dates") or {}).get(c, [])) for c in COLLECTIONS},
        values={c: {k: {fold(legacy): code for legacy, code in table.items()}
                    for k, table in (raw.get("values") or {}).get(c, {}).items()} for c in COLLECTIONS},
        link=raw.get("link") or {},
        defaults={c: {k: (v["value"], v.get("when")) for k, v in (raw.get("defaults") or {}).get(c, {}).items()}
                  for c in COLLECTIONS},
    )
