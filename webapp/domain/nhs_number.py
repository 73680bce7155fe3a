"""NHS number (CR0010): ten digits, the last a Modulus 11 check digit."""
import re

_SEPARATORS = re.compile(r"[\s-]")


def normalise(text):
    """Strip spaces and dashes; return the ten digits or None if the result
    is not ten digits. Does not check the check digit."""
    if text is None:
        return None
    digits = _SEPARATORS.sub("", str(text))
    return digits if re.fullmatch(r"\d{10}", digits) else None


def check_digit(first_nine):
    """The Modulus 11 check digit for nine digits, or None when the number
    cannot be valid (remainder gives 10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid(text):
    digits = normalise(text)
    if digits is None:
        return False
    return check_digit(digits[:9]) == int(digits[9])


def format_spaced(digits):
    """999 000 0018: how people read and type it."""
    digits = normalise(digits) or digits or ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def test_range(start=0):
    """Valid NHS numbers from the never-issued 999 range, in order, skipping
    the nine-digit stems that have no valid check digit."""
    stem = 999000000 + start
    while stem <= 999999999:
        nine = f"{stem:09d}"
        check = check_digit(nine)
        if check is not None:
            yield nine + str(check)
        stem += 1
