"""How the clinical views answer: a whole page for a normal request, only the
fragment for htmx; the errors users cause as 404/409/422/423 in plain words."""
from functools import wraps

from flask import abort, render_template, request

from webapp.security import is_htmx
from webapp.store import lease, records

MIGRATION_MESSAGE = ("A data migration is in progress (started by {owner} at {at:%H:%M} UTC). "
                     "Patients, episodes, tumours and treatments cannot be changed until it finishes: "
                     "nothing was saved. Try again in a few minutes.")


def page_or_fragment(page_template, fragment, status=200, headers=None, **context):
    """`fragment` for htmx, else `page` (which includes the fragment)."""
    template = fragment if is_htmx() else page_template
    response = render_template(template, fragment=fragment, **context)
    return response, status, {"Vary": "HX-Request", **(headers or {})}


MAX_PAGE = 100_000


def page_number(value):
    """The page a list was asked for: 1 for anything that is not a page."""
    try:
        # Bounded: MongoDB's skip takes 8-byte integers, and no list is this long.
        return min(max(1, int(value or "1")), MAX_PAGE)
    except ValueError:
        return 1


def found(record):
    if record is None:
        abort(404)
    return record


def version_from_request():
    """The version an action started from: in the form body, or in the query
    string (htmx sends DELETE parameters there)."""
    try:
        return int(request.values.get("version", ""))
    except ValueError:
        return 0


def migration_message(holder=None):
    """Why writes are refused now, or None when no migration is running."""
    holder = holder or lease.current_holder()
    if holder is None:
        return None
    return MIGRATION_MESSAGE.format(owner=holder["owner"], at=holder["acquired_at"])


def save_unless_paused(save):
    """The one refusal path for writes a migration must not meet: run
    save() unless a migration holds the lease, checked before (so a form
    is not even read for nothing) and by the store inside the write's
    transaction (a migration may start in between). Returns None when
    save() ran, else the message saying why nothing was saved."""
    message = migration_message()
    if message:
        return message
    try:
        save()
    except lease.WritesPaused as paused:
        return migration_message(paused.holder)
    return None


def refused_form(form, message):
    """A form refused during a migration comes back with what was typed
    and the reason above it (423)."""
    form.form_errors.append(message)
    return 423


def refuse_during_migration(slot=None):
    """For actions without a form (delete, close): the refusal page, or with
    htmx the message in `slot` (where the form was), not over the list."""

    def refusal(message):
        template = "clinical/_message.html" if is_htmx() else "clinical/message.html"
        headers = {"Vary": "HX-Request"}
        if slot and is_htmx():
            headers.update({"HX-Retarget": slot, "HX-Reswap": "innerHTML"})
        return render_template(template, title="Migration in progress", message=message), 423, headers

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method in ("GET", "HEAD"):
                return view(*args, **kwargs)
            outcome = {}
            message = save_unless_paused(lambda: outcome.setdefault("response", view(*args, **kwargs)))
            return refusal(message) if message else outcome["response"]

        return wrapped

    return decorator


def conflict_context(exc, entity, entity_id, form=None):
    """What others changed since the user's version. The re-shown form now
    carries the current version, so saving again is a deliberate choice."""
    if exc.current is None:
        abort(404)
    if form is not None:
        form.version.data = str(exc.current.get("version", 1))
    return {"changes": records.changes_since(entity, entity_id, exc.expected_version),
            "current_version": exc.current.get("version", 1), "expected_version": exc.expected_version}
