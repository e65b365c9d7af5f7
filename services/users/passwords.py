"""Salted, deliberately slow password hashes (Argon2id)."""

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Argon2id with OWASP's first recommended setting: 2 passes over 19 MiB in
# one lane, and a random 16-byte salt per hash. It takes about 40 ms per
# check on the 2-core bench machine. argon2-cffi's default (3 passes over
# 64 MiB in 4 lanes) took about 190 ms, so a few logins a second saturated
# the users service. Hashes made with other parameters still verify, and
# are rehashed at the next successful login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


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
