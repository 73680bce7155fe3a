"""Flask's session, kept in MongoDB (webapp/store/sessions.py) instead of a
signed cookie: the cookie carries a random token and nothing else.

Written as Flask's own SessionInterface (about as long as configuring a
library for it, and the store already owns every collection)."""
from datetime import timedelta

from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from webapp.store import availability
from webapp.store import sessions as store

# Set in the WSGI environ by a response that must leave the session as it is
# (a refused cross-site post, a database fault page).
LEAVE_ALONE = "webapp.session.leave_alone"


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, token=None, created_at=None, needs_touch=False):
        def on_update(this):
            this.modified = True
            this.accessed = True

        super().__init__(initial, on_update)
        self.token = token
        self.new = token is None
        self.created_at = created_at
        self.needs_touch = needs_touch
        self.modified = False
        self.rotate = False
        self.unavailable = False

    def regenerate(self):
        """A new token at sign-in, so a token known before (fixation) is worthless."""
        self.rotate = True
        self.modified = True


class MongoSessionInterface(SessionInterface):
    def _limits(self, app):
        return (timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
                timedelta(hours=app.config["SESSION_MAX_HOURS"]))

    def open_session(self, app, request):
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        try:
            availability.check()
            doc = store.load(token, *self._limits(app))
        except availability.UNAVAILABLE as exc:
            # Not raised here: Flask would answer a bare 500. A hook reads the
            # flag and answers the 503 page.
            availability.tripped(exc)
            session = ServerSession()
            session.unavailable = True
            return session
        if doc is None:
            return ServerSession()
        return ServerSession(doc.get("data") or {}, token, doc["created_at"], doc["needs_touch"])

    def save_session(self, app, session, response):
        from flask import request

        if session.unavailable or request.environ.get(LEAVE_ALONE):
            return
        try:
            self._save(app, session, response)
        except availability.UNAVAILABLE as exc:
            # The page is answered; only the session's news is lost.
            availability.tripped(exc)

    def _save(self, app, session, response):
        name, limits = self.get_cookie_name(app), self._limits(app)
        if session.token and (session.rotate or (session.modified and not session)):
            store.delete(session.token)
            if not session:
                response.delete_cookie(name, domain=self.get_cookie_domain(app), path=self.get_cookie_path(app))
                return
            session.token = None
        if not session:
            return
        data = dict(session)
        if session.token is None:
            session.token = store.new_token()
            store.create(session.token, data, *limits)
            self._set_cookie(app, response, name, session.token)
        elif session.modified:
            store.save(session.token, data, *limits, session.created_at)
        elif session.needs_touch:
            store.touch(session.token, *limits, session.created_at)

    def _set_cookie(self, app, response, name, token):
        # No Expires: a browser-session cookie; the server decides when it ends.
        response.set_cookie(name, token, domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
                            secure=self.get_cookie_secure(app), httponly=self.get_cookie_httponly(app),
                            samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")
