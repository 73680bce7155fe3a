"""Parsing ids from URLs: a malformed id is a missing record (404), never a
crash."""
from bson import ObjectId
from bson.errors import InvalidId


def object_id(text):
    """The ObjectId for `text`, or None when it is not one."""
    if isinstance(text, ObjectId):
        return text
    try:
        return ObjectId(str(text))
    except (InvalidId, TypeError):
        return None
