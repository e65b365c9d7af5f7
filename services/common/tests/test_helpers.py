"""Unit tests of credential parsing, cursors and field checks."""

import base64
import threading
import time
from datetime import UTC, datetime

import pytest

from services.common.auth import CredentialCache, Credentials, parse_basic
from services.common.errors import ApiError
from services.common.pagination import Cursor, decode_cursor, format_timestamp
from services.common.validation import parse_id, string_problem


def encode(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


def test_parse_basic_keeps_colons_in_password():
    credentials = parse_basic(encode(b"ada:a:b:c"))

    assert credentials == Credentials("ada", "a:b:c")


def test_parse_basic_scheme_any_case():
    assert parse_basic("bAsIc " + base64.b64encode(b"ada:pw").decode()).username == "ada"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Bearer token",
        "Basic ***",
        encode(b"nocolon"),
        encode(b":pw"),
        encode(b"ada:\xc3\x28"),
        "Basic " + "é" * 8,
    ],
)
def test_parse_basic_malformed_401(header):
    with pytest.raises(ApiError) as caught:
        parse_basic(header)

    assert caught.value.status == 401
    assert caught.value.headers["WWW-Authenticate"].startswith("Basic")


def test_credentials_repr_hides_password():
    assert "secret" not in repr(Credentials("ada", "secret"))


def test_credential_cache_expires():
    cache = CredentialCache(ttl_seconds=0.0)
    key = cache.key(Credentials("ada", "pw"))

    cache.put(key, "value")

    assert cache.get(key) is None


def test_credential_cache_evicts_oldest():
    cache = CredentialCache(ttl_seconds=60, max_entries=2)
    keys = [cache.key(Credentials(f"user{number}", "pw")) for number in range(3)]

    for key in keys:
        cache.put(key, key)

    assert cache.get(keys[0]) is None
    assert cache.get(keys[2]) == keys[2]


def test_credential_cache_one_check_per_key():
    cache = CredentialCache(ttl_seconds=60)
    key = cache.key(Credentials("ada", "pw"))
    checks = []
    start = threading.Barrier(4)

    def authenticate():
        start.wait(timeout=5)
        if cache.get(key) is not None:
            return
        with cache.verifying(key):
            if cache.get(key) is None:
                checks.append(threading.get_ident())
                time.sleep(0.05)
                cache.put(key, "user")

    threads = [threading.Thread(target=authenticate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)

    assert len(checks) == 1
    assert cache.get(key) == "user"
    assert cache._checks == {}


def test_credential_cache_other_key_not_blocked():
    cache = CredentialCache(ttl_seconds=60)
    right, wrong = (cache.key(Credentials("ada", password)) for password in ("pw", "guess"))
    check_started = threading.Event()
    released = threading.Event()

    def check_wrong_password():
        with cache.verifying(wrong):
            check_started.set()
            released.wait(timeout=5)

    thread = threading.Thread(target=check_wrong_password)
    thread.start()
    assert check_started.wait(timeout=5)
    with cache.verifying(right):
        entered_while_checking = thread.is_alive()
        released.set()
    thread.join(timeout=5)

    assert entered_while_checking


def test_credential_cache_refresh_window():
    now = [100.0]
    cache = CredentialCache(ttl_seconds=10, clock=lambda: now[0])
    key = cache.key(Credentials("ada", "pw"))
    cache.put(key, "user")

    now[0] = 107.9
    assert cache.lookup(key) == ("user", False)
    now[0] = 108.0
    assert cache.lookup(key) == ("user", True)
    now[0] = 110.1
    assert cache.lookup(key) == (None, False)


def test_credential_cache_discard():
    cache = CredentialCache(ttl_seconds=60)
    key = cache.key(Credentials("ada", "pw"))
    cache.put(key, "user")

    cache.discard(key)

    assert cache.get(key) is None


def test_credential_cache_no_wait_while_checking():
    cache = CredentialCache(ttl_seconds=60)
    key = cache.key(Credentials("ada", "pw"))
    check_started = threading.Event()
    released = threading.Event()

    def check():
        with cache.verifying(key) as checking:
            assert checking
            check_started.set()
            released.wait(timeout=5)

    thread = threading.Thread(target=check)
    thread.start()
    assert check_started.wait(timeout=5)
    with cache.verifying(key, wait=False) as checking_too:
        released.set()
    thread.join(timeout=5)
    with cache.verifying(key, wait=False) as checking_after:
        pass

    assert not checking_too
    assert checking_after
    assert cache._checks == {}


def test_cursor_round_trip_keeps_microseconds():
    cursor = Cursor(datetime(2026, 12, 4, 19, 16, 45, 123456, tzinfo=UTC), 42)

    assert decode_cursor(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "value", ["", "abc", "1_", "_1", "1-2", "1_99999999999999999999", "958433923130147977_1"]
)
def test_decode_cursor_invalid_400(value):
    with pytest.raises(ApiError) as caught:
        decode_cursor(value)

    assert caught.value.status == 400


def test_format_timestamp_milliseconds_utc():
    value = datetime(2026, 12, 4, 19, 16, 45, 123999, tzinfo=UTC)

    assert format_timestamp(value) == "2026-12-04T19:16:45.123Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("5", 5),
        (True, None),
        (0, None),
        (-1, None),
        ("5a", None),
        ("٥", None),
        (2**63, None),
        (1.0, None),
        (None, None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("fine", None),
        (5, "must be a string"),
        ("a\x00b", "must not contain NUL characters"),
        ("\ud800", "must be valid Unicode text"),
    ],
)
def test_string_problem(value, problem):
    assert string_problem(value) == problem
