"""Export test helpers: run an export on the test database and parse it."""
from datetime import date, datetime

import pytest
from lxml import etree

from tests.export import dataset
from webapp.export import service, xsd

FIXED = datetime(2026, 1, 2, 3, 4, 5)


def export_bytes(app, version, start=dataset.START, end=dataset.END, provider=None, organisation=None):
    """(bytes, Export) of a pinned-clock export on the app's database."""
    request = service.Request(str(version), date.fromisoformat(start), date.fromisoformat(end), provider)
    with app.app_context():
        export = service.prepare(request, service.FixedClock(FIXED), organisation=organisation)
        try:
            data = b"".join(export.chunks()) if export.valid else b""
        finally:
            export.close()
    return data, export


def parse_valid(data, version):
    """The parsed document; fails the test unless it validates against the project XSD."""
    doc = etree.fromstring(data)
    schema = xsd.schema(str(version))
    assert schema.validate(doc), schema.error_log
    return doc


@pytest.fixture
def golden_data(database):
    data = dataset.golden()
    dataset.insert(database, data)
    return data
