"""IMPACT's field encryption, reproduced: what we build for test data must
be what IMPACT stores, and what IMPACT stores must decrypt."""
import base64

import pytest
from cryptography.fernet import Fernet

from webapp.domain import legacy_crypto
from webapp.domain.legacy_crypto import DecryptionError

# A key file as IMPACT writes it (the text of a Fernet.generate_key() output)
# and 16 salt bytes. Fixed, synthetic, and used nowhere else.
KEY_FILE_TEXT = b"q3J8pX1mN0bV7cT2sR5wY9zA4dF6gH8jK1lM3nB5vC0="
SALT = bytes(range(16))


@pytest.fixture(scope="module")
def key():
    return legacy_crypto.derive_key(KEY_FILE_TEXT, SALT)


def test_round_trip(key):
    for text in ("9990000018", "MRN0012345", "Zoë O'Neill", "nan", "1950-05-01 00:00:00"):
        stored = legacy_crypto.encrypt(text, key)
        assert legacy_crypto.decrypt(stored, key) == text


def test_stored_form_is_double_encoded(key):
    stored = legacy_crypto.encrypt("9990000018", key)
    assert stored.startswith("ENC:Z0FBQUFB")
    assert legacy_crypto.is_encrypted(stored)
    # Inside the outer base64url is a Fernet token (itself base64url text).
    assert base64.urlsafe_b64decode(stored[4:]).startswith(b"gAAAAA")
    # Random IV: the same value never encrypts the same way twice.
    assert legacy_crypto.encrypt("9990000018", key) != stored


def test_is_encrypted():
    assert legacy_crypto.is_encrypted("ENC:abc")
    for value in ("9990000018", "enc:abc", None, 9990000018, b"ENC:abc", ""):
        assert not legacy_crypto.is_encrypted(value)


def test_derived_key_matches_a_fernet_that_decrypts(key):
    # The derived key is a valid Fernet key (44 base64url chars = 32 bytes)...
    assert len(key) == 44 and len(base64.urlsafe_b64decode(key)) == 32
    # ...deterministic, and salt-dependent.
    assert legacy_crypto.derive_key(KEY_FILE_TEXT, SALT) == key
    assert legacy_crypto.derive_key(KEY_FILE_TEXT, bytes(16)) != key
    # A token made the way IMPACT makes it, with a plain Fernet, decrypts.
    token = Fernet(key).encrypt(b"MRN0012345")
    stored = "ENC:" + base64.urlsafe_b64encode(token).decode()
    assert legacy_crypto.decrypt(stored, key) == "MRN0012345"


def test_wrong_key_raises(key):
    stored = legacy_crypto.encrypt("9990000018", key)
    other = legacy_crypto.derive_key(b"another key file", SALT)
    with pytest.raises(DecryptionError) as caught:
        legacy_crypto.decrypt(stored, other)
    assert "9990000018" not in str(caught.value)


@pytest.mark.parametrize("value", ["ENC:", "ENC:not base64!!", "ENC:" + base64.urlsafe_b64encode(b"junk").decode(),
                                   "9990000018"])
def test_malformed_values_raise(key, value):
    with pytest.raises(DecryptionError):
        legacy_crypto.decrypt(value, key)


def test_not_a_fernet_key_raises():
    with pytest.raises(DecryptionError):
        legacy_crypto.decrypt("ENC:Z0FBQUFB", b"short")
