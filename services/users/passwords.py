"""Salted, deliberately slow password hashes (Argon2id)."""

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's low-memory profile: Argon2id,
# 3 passes over 64 MiB with 4 lanes and a random 16-byte salt per hash.
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return an encoded Argon2id hash of password, with its salt and parameters."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return True when password matches the encoded hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def spend_verification_time(password: str) -> None:
    """Verify against a throwaway hash, so unknown usernames answer as slowly as known ones."""
    verify_password(_dummy_hash(), password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))
