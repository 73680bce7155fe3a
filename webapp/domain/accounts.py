"""Rules for user names and passwords, as pure functions (the CLI, the admin
pages and the store all ask here).

Passwords follow NCSC guidance: long enough, not a known common password, and
no composition rules (they push people to predictable patterns). The common
passwords are zxcvbn's list of the 30,000 most frequent (pinned in
requirements.txt), the same list its estimator is built on."""
import re
import unicodedata

from webapp.domain import validators

MIN_PASSWORD = 12
MAX_PASSWORD = 256
MAX_USERNAME = 64
# Letters and digits of any script, and . _ - @ between them; no spaces.
_USERNAME = re.compile(r"^[^\W_](?:[\w.@-]*[^\W_])?$")


def normalise_username(text):
    """The one spelling a name is stored and looked up by: NFKC (so a
    full-width or composed form is the same name), no surrounding spaces,
    lower case."""
    return unicodedata.normalize("NFKC", str(text or "")).strip().casefold()


def username_problem(text):
    """Why `text` cannot be a user name once normalised, or None."""
    name = normalise_username(text)
    if not name:
        return "Enter a user name."
    if len(name) > MAX_USERNAME:
        return f"Keep the user name under {MAX_USERNAME} characters."
    if validators.control_characters(name) or not _USERNAME.match(name):
        return "Use letters, digits and . _ - @ only (no spaces), starting and ending with a letter or digit."
    return None


def _common():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


_COMMON = None


def is_common(password):
    """A known common password, also with digits or symbols added at its end
    or the start ("password1234!", "2024summer2024")."""
    global _COMMON
    if _COMMON is None:
        _COMMON = _common()
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    return (lowered in _COMMON or (len(core) >= 4 and core in _COMMON) or len(set(lowered)) <= 2
            or any(lowered in run or lowered in run[::-1] for run in _RUNS))


# Sequences typed without thinking: counting, the alphabet, keyboard rows.
_RUNS = ("0123456789" * 4, "abcdefghijklmnopqrstuvwxyz" * 2, "qwertyuiopasdfghjklzxcvbnm" * 2,
         "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p" * 2)


def password_problem(password, username=None):
    """Why `password` may not be used, or None."""
    if password is None or len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters (a few unrelated words make a good one)."
    if len(password) > MAX_PASSWORD:
        return f"Keep the password under {MAX_PASSWORD} characters."
    if validators.control_characters(password):
        return "Remove the invisible or control characters from the password."
    name = normalise_username(username)
    if is_common(password) or (len(name) >= 4 and name in password.lower()):
        return "That password is too common or too easy to guess: choose another."
    return None
