"""IMPACT's field encryption, so its patient identifiers can be read when we
adopt its database. Pure: the caller reads the key and salt files and passes
their bytes in; nothing here touches files or the environment.

IMPACT's scheme (read from its backend/app/utils/encryption.py):
- its key file holds the text of a Fernet.generate_key() output, used as a
  *password*; its salt file holds 16 raw bytes;
- the Fernet key is base64url(PBKDF2-HMAC-SHA256(password, salt, 100000
  iterations, 32 bytes));
- a stored value is "ENC:" + base64url(Fernet token). The token is already
  base64url text, so it is encoded twice and every value starts
  "ENC:Z0FBQUFB" (the token's "gAAAAA" encoded again).
"""
import base64
import binascii

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

PREFIX = "ENC:"
ITERATIONS = 100_000
KEY_LENGTH = 32


class DecryptionError(ValueError):
    """A value could not be decrypted: wrong key, or not IMPACT ciphertext."""


def is_encrypted(value):
    return isinstance(value, str) and value.startswith(PREFIX)


def derive_key(password: bytes, salt: bytes) -> bytes:
    """The Fernet key IMPACT derives from its key file's bytes and its salt
    file's bytes (pass both exactly as read, trailing newline and all)."""
    if isinstance(password, str):
        password = password.encode("utf-8")
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=KEY_LENGTH, salt=salt, iterations=ITERATIONS)
    return base64.urlsafe_b64encode(kdf.derive(password))


def _fernet(fernet_key):
    try:
        return Fernet(fernet_key)
    except (ValueError, TypeError, binascii.Error):
        raise DecryptionError("The key is not a Fernet key (44 characters of base64url text).") from None


def encrypt(value: str, fernet_key: bytes) -> str:
    """A value in IMPACT's stored form (for building test data). Each call
    gives a different ciphertext: Fernet uses a random IV."""
    token = _fernet(fernet_key).encrypt(str(value).encode("utf-8"))
    return PREFIX + base64.urlsafe_b64encode(token).decode("ascii")


def decrypt(value: str, fernet_key: bytes) -> str:
    """The plaintext of an IMPACT "ENC:" value. Raises DecryptionError, with a
    message that names no secret, when the value is malformed or the key is
    not the one it was encrypted with."""
    if not is_encrypted(value):
        raise DecryptionError("The value is not encrypted (it does not start with ENC:).")
    fernet = _fernet(fernet_key)
    try:
        token = base64.urlsafe_b64decode(value[len(PREFIX):].encode("ascii"))
    except (ValueError, binascii.Error):
        raise DecryptionError("The encrypted value is damaged (not base64 after ENC:).") from None
    try:
        plain = fernet.decrypt(token)
    except InvalidToken:
        raise DecryptionError("The value cannot be decrypted with this key (wrong key, or a damaged value).") from None
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError("The decrypted value is not text.") from None
