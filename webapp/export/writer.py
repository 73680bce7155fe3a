"""Values to XML: walks the layout in its official order, cleans text,
checks each value against its type (so a reason can be given in plain
words) and writes the record's XML text. A file of any size is written one
record at a time; validation with lxml is of the
whole file as a stream (validate_stream), or of one record at a time
(RecordValidator) when the export has to find the records lxml rejects."""
import re
from dataclasses import dataclass

from lxml import etree

from webapp.export import layout, sanitise, types, versions, xsd
from webapp.export.layout import Choice, Leaf

# Free text is cut to fit; identifiers and codes never are (a cut identifier
# would link the record to someone else: it is left out instead).
TRUNCATED_TYPES = {"ST_NHS_PersonName", "ST_NHS_Postcode"}


def _present(value):
    """Has a value worth writing. A dict is present when any of its own
    values is (record.py gives absent sub-sections as None, so one level is
    enough)."""
    if value is None or value == "" or value == [] or value == {}:
        return False
    if isinstance(value, dict):
        return any(v is not None and v != "" and v != [] for k, v in value.items() if k[0] != "_")
    if isinstance(value, list):
        return any(_present(v) for v in value)
    return True


class _Build:
    """Writes one record (or the header) as indented UTF-8 text, in the form
    lxml's indent + tostring would give, straight from the values: building
    lxml elements first cost half the export's time. lxml still has the last
    word: the whole file is parsed and validated before anyone gets it."""

    def __init__(self, explained=()):
        self.problems = []
        self.changes = []
        self.dropped = []
        self.out = []
        # Values record.py has already said why it left empty.
        self.explained = explained

    def group(self, node, values, depth, where):
        pad = _PAD * depth
        if "_where" in values:
            where = f"{values['_where']}: "
        mark = len(self.out)
        self.out.append(None)
        for child in node.children:
            self.child(child, values, depth + 1, where)
        if len(self.out) == mark + 1:
            self.out[mark] = f"{pad}<{node.name}/>\n"
        else:
            self.out[mark] = f"{pad}<{node.name}>\n"
            self.out.append(f"{pad}</{node.name}>\n")

    def child(self, node, values, depth, where):
        if type(node) is Leaf:
            raw = values.get(node.key)
            if type(raw) is str and raw:
                self.leaf(node, raw, depth, where)
                return
            items = [v for v in raw if v is not None and v != ""] if type(raw) is list else \
                ([] if raw is None or raw == "" else [raw])
            if not items and node.min >= 1 and node.key not in self.explained:
                self.problems.append(f"{where}{node.label} ({node.item}) is missing")
            for item in items:
                self.leaf(node, item, depth, where)
            return
        if type(node) is Choice:
            emitted = 0
            for alt in node.children:
                if _present(values.get(alt.key)):
                    self.child(alt, values, depth, where)
                    emitted += 1
            if emitted < node.min:
                self.problems.append(f"{where}{node.label} is missing")
            return
        raw = values.get(node.key)
        items = [v for v in raw if _present(v)] if type(raw) is list else ([raw] if _present(raw) else [])
        if not items and node.min >= 1:
            items = [{}]
        for item in items:
            if node.min == 0 and "_where" in item:
                self._optional(node, item, depth, where)
            else:
                self.group(node, item, depth, where)

    def _optional(self, node, values, depth, where):
        """An optional, repeatable section (a treatment): one that cannot be
        written is left out of the record and listed, and the record goes
        on without it."""
        marks = len(self.out), len(self.problems), len(self.changes)
        self.group(node, values, depth, where)
        if len(self.problems) == marks[1]:
            return
        reasons = [p.removeprefix(f"{values['_where']}: ") for p in self.problems[marks[1]:]]
        del self.out[marks[0]:], self.problems[marks[1]:], self.changes[marks[2]:]
        self.dropped.append({"what": values["_where"], "reasons": reasons})

    def leaf(self, node, value, depth, where):
        kind = _KINDS.get(node.type) or _kind(node.type)
        if kind.enum is not None and type(value) is str and value in kind.enum:
            # Most values are codes: one of the list is valid as it stands.
            self.out.append(_element(node, value, depth))
            return
        limit = kind.max_length if node.type in TRUNCATED_TYPES else None
        if type(value) is str and value.isascii() and value.isprintable():
            # Nothing XML forbids: only trim, and cut free text to fit.
            text, notes = value.strip(), None
            if limit is not None and len(text) > limit:
                text, notes = sanitise.clean(text, limit)
        else:
            text, notes = sanitise.clean(value, limit)
        if notes:
            self.changes.append({"field": f"{where}{node.label} ({node.item})", "before": value, "after": text,
                                 "change": "; ".join(notes)})
        if not text:
            if node.min >= 1:
                self.problems.append(f"{where}{node.label} ({node.item}) is missing")
            return
        problem = kind.problem(text)
        if problem:
            shown = text if len(text) <= 40 else text[:40] + "…"
            self.problems.append(f"{where}{node.label} ({node.item}) '{shown}' {problem}")
            return
        self.out.append(_element(node, text, depth))

    def text(self):
        return "".join(self.out).encode("utf-8")


_PAD = "  "
# libxml2's escaping, so the bytes are those lxml would write (the golden
# files were written by lxml, and a test compares the two on hostile text).
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                                    "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})
_PLAIN = re.compile(r"[A-Za-z0-9 .:+/-]*")


def _element(node, text, depth):
    if node.carrier == "text":
        if not _PLAIN.fullmatch(text):
            text = text.translate(_TEXT_ESCAPES)
        return f"{_PAD * depth}<{node.name}>{text}</{node.name}>\n"
    if not _PLAIN.fullmatch(text):
        text = text.translate(_ATTRIBUTE_ESCAPES)
    return f'{_PAD * depth}<{node.name} {node.carrier}="{text}"/>\n'


_KINDS = {}


def _kind(name):
    _KINDS[name] = types.get(name)
    return _KINDS[name]


@dataclass
class Built:
    """One record as written: its text, why it cannot be sent (empty when it
    can), what was changed to fit the file, and the optional sections (each
    with its reasons) left out of it."""
    text: bytes
    problems: list
    changes: list
    dropped: list


def build_record(version, values):
    """The Built record for one record's values: the record element indented
    as a child of the root, ending in a newline."""
    _, record = layout.for_version(version)
    build = _Build(values.get("_explained", ()))
    build.problems.extend(values.get("_problems", ()))
    build.changes.extend(values.get("_changes", ()))
    build.group(record, values, 1, "")
    return Built(build.text(), build.problems, build.changes, build.dropped)


def build_header(version, values):
    """(UTF-8 bytes, problems) for the header elements that open the file."""
    header, _ = layout.for_version(version)
    build = _Build()
    for leaf in header:
        build.child(leaf, values, 1, "")
    return build.text(), build.problems


def root_open(namespace):
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + f'<COSD:COSD xmlns:COSD="{namespace}">\n'.encode("ascii"))


ROOT_CLOSE = b"</COSD:COSD>\n"


class RecordValidator:
    """Validates one record at a time against the whole-file schema: the
    record is placed in a document with the file's header, checked, and taken
    out again, so memory does not grow with the number of records."""

    def __init__(self, version, namespace, header):
        self.schema = xsd.schema(version)
        self.root = etree.fromstring(root_open(namespace) + header + ROOT_CLOSE)
        self.tree = etree.ElementTree(self.root)

    def error(self, record):
        """None when the record's bytes are valid, else the first error's message."""
        try:
            element = etree.fromstring(record)
        except etree.XMLSyntaxError as e:
            return str(e)
        self.root.append(element)
        try:
            if self.schema.validate(self.tree):
                return None
            return self.schema.error_log.last_error.message
        finally:
            self.root.remove(element)


class StreamValidator:
    """Validates a file fed to it in pieces, holding one record at a time.
    Only the end of each record comes back to Python (a per-element event
    loop cost more than the validation itself). Input is handed to the
    parser in pieces of about 64 KB: record by record it cost twice as much.
    The first error is kept and the rest of the input ignored."""

    PIECE = 64 * 1024

    def __init__(self, version):
        self._parser = etree.XMLPullParser(events=("end",), tag=versions.get(version)["record_element"],
                                           schema=xsd.schema(version), resolve_entities=False, no_network=True,
                                           huge_tree=True)
        self.error = None
        self._pending = []
        self._size = 0

    def feed(self, data):
        self._pending.append(data)
        self._size += len(data)
        if self._size >= self.PIECE:
            self._flush()

    def _flush(self):
        data, self._pending, self._size = b"".join(self._pending), [], 0
        if self.error is not None:
            return
        try:
            self._parser.feed(data)
            for _, el in self._parser.read_events():
                # A finished record: drop it and what came before.
                el.clear()
                while el.getprevious() is not None:
                    del el.getparent()[0]
        except etree.XMLSyntaxError as e:
            self.error = str(e)

    def close(self):
        """(ok, message) once all the input has been fed."""
        self._flush()
        if self.error is None:
            try:
                self._parser.close()
            except etree.XMLSyntaxError as e:
                self.error = str(e)
        return self.error is None, self.error or ""


def validate_stream(version, chunks):
    """Validate a whole file given as byte chunks. Returns (ok, message)."""
    validator = StreamValidator(version)
    for chunk in chunks:
        validator.feed(chunk)
    return validator.close()
