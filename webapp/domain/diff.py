"""What changed between two versions of a record: a flat list of
(field path, before, after), for history panels and conflict messages."""

# Bookkeeping that changes on every save; listing it would hide the real change.
IGNORED = {"_id", "version", "last_modified_at", "created_at"}


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not prefix and key in IGNORED:
                continue
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: value}


def changes(before, after):
    """[(path, old, new)] for every leaf that differs, in a stable order."""
    old, new = _flatten(before or {}), _flatten(after or {})
    out = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) != new.get(path):
            out.append((path, old.get(path), new.get(path)))
    return out
