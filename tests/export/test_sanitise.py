"""Hostile text never breaks the XML or the schema: it is escaped, stripped
of what XML 1.0 forbids, cut to its type's length, and the changes are
reported."""
from lxml import etree

from tests.export.conftest import export_bytes, parse_valid
from webapp.export import sanitise

HOSTILE_FAMILY = "O'Brien & <Sons> \"Ltd\" ]]> </PersonFamilyName><x>" + "ż" * 40
HOSTILE_GIVEN = "Zoë 李小龍 😀\x00\x01\x0b\x1f\ufffe é"


def test_clean_strips_forbidden_characters_and_cuts():
    text, notes = sanitise.clean("a\x00b\x1fc\ufffe\ud800", 35)
    assert text == "abc" and notes == ["removed 4 characters XML cannot carry"]
    text, notes = sanitise.clean("x" * 50, 35)
    assert text == "x" * 35 and notes == ["cut from 50 to 35 characters"]
    assert sanitise.clean("Zoë 😀", 35) == ("Zoë 😀", [])


def test_hostile_text_dataset_gives_a_valid_file(app, database, golden_data):
    database.patients.update_one({"mrn": "MRN0001"}, {"$set": {
        "last_name": HOSTILE_FAMILY, "first_name": HOSTILE_GIVEN, "postcode": "NG7 2UH & <b>extra</b>"}})
    database.patients.update_one({"mrn": "MRN0002"}, {"$set": {"first_name": "\x07\x08"}})
    for version in ("9", "10"):
        data, export = export_bytes(app, version)
        doc = parse_valid(data, version)
        assert export.exported == (2 if version == "9" else 3) and export.left_out == []
        first = doc.find("ColorectalRecord/Demographics")
        family = first.findtext("PersonFamilyName")
        assert family == HOSTILE_FAMILY[:35] and len(family) == 35
        assert first.findtext("PersonGivenName") == "Zoë 李小龍 😀 é"
        # Not a postcode: left out of the record (the item is optional), and listed.
        assert first.find("PostcodeOfUsualAddressAtDiagnosis") is None
        # Escaped, not interpreted: no element was injected.
        assert doc.find(".//x") is None and b"&amp; &lt;Sons&gt;" in data
        # A given name of nothing but control characters is left out, not sent empty.
        assert doc.findall("ColorectalRecord")[1].find("Demographics/PersonGivenName") is None
        changed = {(c["tumour_id"], c["field"]): c["change"] for c in export.changes}
        assert changed[("TUM-0001", "Family name (CR0050)")] == f"cut from {len(HOSTILE_FAMILY)} to 35 characters"
        assert changed[("TUM-0001", "Given name (CR0060)")].startswith("removed 5 characters")
        assert changed[("TUM-0001", "Postcode (CR0080)")] == "not a UK postcode: left out of the record"
        assert ("TUM-0002", "Given name (CR0060)") in changed


def test_hostile_identifier_is_left_out_not_cut(app, database, golden_data):
    long_mrn = "MRN<&>" + "9" * 30
    database.patients.update_one({"mrn": "MRN0002"}, {"$set": {"mrn": long_mrn}})
    for name in ("episodes", "tumours", "treatments"):
        database[name].update_many({"patient_id": "MRN0002"}, {"$set": {"patient_id": long_mrn}})
    data, export = export_bytes(app, 10)
    doc = parse_valid(data, 10)
    assert len(doc.findall("ColorectalRecord")) == 2
    [left] = export.left_out
    assert any("Local patient identifier (MRN) (CR0020)" in r and "longer than 20" in r for r in left["reasons"])
    assert etree.fromstring(data) is not None


def test_written_text_is_escaped_as_lxml_escapes_it():
    """The writer escapes by hand for speed; lxml is the reference. Every
    character XML treats specially, in text and in attributes, comes out
    as lxml would write it, and reads back unchanged."""
    from webapp.export import writer
    from webapp.export.layout import Leaf

    samples = [HOSTILE_FAMILY, sanitise.clean(HOSTILE_GIVEN)[0], "a\tb\nc\rd", "'\"&<>]]>", "plain C18.7 2024-01-01",
               "&amp; &#10; &lt;", "\u00a0\u2028\U0001f600"]
    for carrier in ("text", "code", "extension"):
        leaf = Leaf("Item", "ST_NHS_PersonName", carrier, "Item")
        for text in samples:
            ours = writer._element(leaf, text, 1).encode("utf-8")
            parent = etree.Element("root")
            element = etree.SubElement(parent, "Item")
            if carrier == "text":
                element.text = text
            else:
                element.set(carrier, text)
            assert ours == b"  " + etree.tostring(element, encoding="UTF-8") + b"\n", (carrier, text)
            back = etree.fromstring(ours)
            assert (back.text if carrier == "text" else back.get(carrier)) == text
