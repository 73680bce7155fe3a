"""Text that must survive the trip into XML: drop the characters XML 1.0
cannot carry at all (most control characters, lone surrogates, U+FFFE/FFFF),
and cut free text to the length its COSD type allows. Escaping of & < > and
quotes is the writer's job (writer._element). Every change is described, so the
export can tell staff what it altered."""
import re

# Everything outside XML 1.0's Char production.
_FORBIDDEN = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(value, max_length=None):
    """(text, [what changed]) for `value`; `max_length` cuts free text."""
    text = str(value)
    notes = []
    stripped, removed = _FORBIDDEN.subn("", text)
    if removed:
        notes.append(f"removed {removed} character{'s' if removed != 1 else ''} XML cannot carry")
    text = stripped.strip()
    if max_length is not None and len(text) > max_length:
        notes.append(f"cut from {len(text)} to {max_length} characters")
        text = text[:max_length].rstrip()
    return text, notes
