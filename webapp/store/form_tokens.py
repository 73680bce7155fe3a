"""One-use form tokens: each add/edit form carries a random token, and a post
is carried out only by the first request that spends it. The spend is one
insert on a unique _id, so of 20 identical simultaneous posts exactly one
goes through. A post that saved nothing (refused, 4xx/5xx) gives its token
back, so the person can correct the form and send it again."""
import secrets

from pymongo.errors import DuplicateKeyError

from webapp import db
from webapp.domain import clock


def new():
    return secrets.token_urlsafe(18)


def spend(token):
    """True when `token` had not been spent (and now is)."""
    if not token or len(token) > 64:
        return True  # no token (an older form, a test): nothing to guard
    try:
        db.collection(db.FORM_TOKENS).insert_one({"_id": token, "at": clock.now()})
    except DuplicateKeyError:
        return False
    return True


def give_back(token):
    db.collection(db.FORM_TOKENS).delete_one({"_id": token})
