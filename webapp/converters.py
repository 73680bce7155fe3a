"""URL converters: `<oid:name>` matches only a well-formed ObjectId and hands
the view an ObjectId, so a malformed id is a 404 before any view runs and no
view parses ids by hand."""
from werkzeug.routing import BaseConverter, ValidationError

from webapp import db


class ObjectIdConverter(BaseConverter):
    regex = "[0-9a-fA-F]{24}"

    def to_python(self, value):
        oid = db.object_id(value)
        if oid is None:  # pragma: no cover - the regex admits only valid ids
            raise ValidationError()
        return oid

    def to_url(self, value):
        return str(value)


def init_app(app):
    app.url_map.converters["oid"] = ObjectIdConverter
