"""The database for view tests, reached without pushing an app context: a
pushed context would be shared with every client request (and its `g`,
where Flask-WTF caches the CSRF token), which requests never see in use."""
import pytest

from webapp import db


@pytest.fixture
def database(app, mongo_uri, db_name):
    return db.client_for(mongo_uri)[db_name]
