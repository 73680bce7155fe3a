"""Values to XML: walks the layout in its official order, cleans text,
checks each value against its type (so a reason can be given in plain
words) and builds the lxml element. Serialisation is per record, so a file
of any size is written one record at a time; validation with lxml is of the
whole file as a stream (validate_stream), or of one record at a time
(RecordValidator) when the export has to find the records lxml rejects."""
from lxml import etree

from webapp.export import layout, sanitise, types, xsd
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
    def __init__(self):
        self.problems = []
        self.changes = []

    def group(self, node, values, parent, where):
        el = etree.Element(node.name) if parent is None else etree.SubElement(parent, node.name)
        if "_where" in values:
            where = f"{values['_where']}: "
        for child in node.children:
            self.child(child, values, el, where)
        return el

    def child(self, node, values, parent, where):
        if type(node) is Leaf:
            raw = values.get(node.key)
            if type(raw) is str and raw:
                self.leaf(node, raw, parent, where)
                return
            items = [v for v in raw if v is not None and v != ""] if type(raw) is list else \
                ([] if raw is None or raw == "" else [raw])
            if not items and node.min >= 1:
                self.problems.append(f"{where}{node.label} ({node.item}) is missing")
            for item in items:
                self.leaf(node, item, parent, where)
            return
        if type(node) is Choice:
            emitted = 0
            for alt in node.children:
                if _present(values.get(alt.key)):
                    self.child(alt, values, parent, where)
                    emitted += 1
            if emitted < node.min:
                self.problems.append(f"{where}{node.label} is missing")
            return
        raw = values.get(node.key)
        items = [v for v in raw if _present(v)] if type(raw) is list else ([raw] if _present(raw) else [])
        if not items and node.min >= 1:
            items = [{}]
        for item in items:
            self.group(node, item, parent, where)

    def leaf(self, node, value, parent, where):
        kind = _KINDS.get(node.type) or _kind(node.type)
        limit = kind.max_length if node.type in TRUNCATED_TYPES else None
        if type(value) is str and value.isascii() and value.isprintable():
            # Nothing XML forbids: only trim, and cut free text to fit.
            text, notes = value.strip(), None
            if limit is not None and len(text) > limit:
                text, notes = sanitise.clean(text, limit)
        else:
            text, notes = sanitise.clean(value, limit)
        if notes:
            self.changes.append({"field": f"{where}{node.label} ({node.item})", "change": "; ".join(notes)})
        if not text:
            if node.min >= 1:
                self.problems.append(f"{where}{node.label} ({node.item}) is missing")
            return
        problem = None if kind.enum is not None and text in kind.enum else kind.problem(text)
        if problem:
            shown = text if len(text) <= 40 else text[:40] + "…"
            self.problems.append(f"{where}{node.label} ({node.item}) '{shown}' {problem}")
            return
        if node.carrier == "text":
            etree.SubElement(parent, node.name).text = text
        else:
            etree.SubElement(parent, node.name, {node.carrier: text})


_KINDS = {}


def _kind(name):
    _KINDS[name] = types.get(name)
    return _KINDS[name]


def build_record(version, values):
    """(element, problems, changes) for one record's values."""
    _, record = layout.for_version(version)
    build = _Build()
    build.problems.extend(values.get("_problems", ()))
    element = build.group(record, values, None, "")
    return element, build.problems, build.changes


def build_header(version, values):
    header, _ = layout.for_version(version)
    build = _Build()
    holder = etree.Element("holder")
    for leaf in header:
        build.child(leaf, values, holder, "")
    return list(holder), build.problems


def serialise(element):
    """One child of the root as indented UTF-8 bytes, ending in a newline."""
    etree.indent(element, space="  ", level=1)
    return b"  " + etree.tostring(element, encoding="UTF-8", xml_declaration=False) + b"\n"


def root_open(namespace):
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + f'<COSD:COSD xmlns:COSD="{namespace}">\n'.encode("ascii"))


ROOT_CLOSE = b"</COSD:COSD>\n"


class RecordValidator:
    """Validates one record at a time against the whole-file schema: the
    record is placed in a document with the file's header, checked, and taken
    out again, so memory does not grow with the number of records."""

    def __init__(self, version, namespace, header_elements):
        self.schema = xsd.schema(version)
        self.root = etree.Element(f"{{{namespace}}}COSD", nsmap={"COSD": namespace})
        for el in header_elements:
            self.root.append(_copy(el))
        self.tree = etree.ElementTree(self.root)

    def error(self, element):
        """None when valid, else the first schema error's message."""
        self.root.append(element)
        try:
            if self.schema.validate(self.tree):
                return None
            return self.schema.error_log.last_error.message
        finally:
            self.root.remove(element)


def _copy(el):
    return etree.fromstring(etree.tostring(el))


def validate_stream(version, chunks):
    """Validate a whole file given as byte chunks, holding one record at a
    time. Returns (ok, message)."""
    parser = etree.XMLPullParser(events=("end",), schema=xsd.schema(version), resolve_entities=False,
                                 no_network=True, huge_tree=True)
    try:
        for chunk in chunks:
            parser.feed(chunk)
            for _, el in parser.read_events():
                if el.getparent() is not None and el.getparent().getparent() is None:
                    # A finished child of the root: drop it and what came before.
                    el.clear()
                    while el.getprevious() is not None:
                        del el.getparent()[0]
        parser.close()
    except etree.XMLSyntaxError as e:
        return False, str(e)
    return True, ""
