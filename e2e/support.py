"""HTTP client and assertions shared by the end-to-end tests."""

import base64
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

# Seconds for one HTTP call. Generous, because a call that checks a password may
# pay for a slow hash, and the concurrency tests send ten of those at once.
REQUEST_TIMEOUT = 15

DEFAULT_PASSWORD = "correct horse battery"

TIMESTAMP_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LINK_NEXT_PATTERN = re.compile(r'^<[^<>]+>; rel="next"$')
POST_FIELDS = {"id", "username", "text", "timestamp", "repost", "original_post_url"}

# Written out instead of taken from http.HTTPStatus, whose phrases changed between
# Python versions (422 and 413, for example).
REASON_PHRASES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    503: "Service Unavailable",
}

# Upper bound on pages fetched by one walk over a list, so a Link header that
# keeps pointing at the same page fails the test instead of looping.
MAX_PAGES = 50


@dataclass(frozen=True)
class User:
    """An account created by a test, with the password it was created with."""

    id: int
    username: str
    email: str
    password: str

    @property
    def credentials(self) -> tuple[str, str]:
        return (self.username, self.password)


def unique_username(prefix: str = "u") -> str:
    """Return `prefix` plus an underscore and 10 random hex digits.

    The prefix may be at most 19 characters, so the name fits the 30-character limit.
    """
    return f"{prefix}_{secrets.token_hex(5)}"


def basic_auth(username: str, password: str) -> str:
    """Build a Basic Authorization header value, encoding the credentials as UTF-8.

    requests' own HTTPBasicAuth encodes str credentials as Latin-1, which would
    turn a UTF-8 password into different bytes than the user registered.
    """
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def collect_keys(value) -> set[str]:
    """Return every object key found anywhere in a decoded JSON value."""
    keys = set()
    if isinstance(value, dict):
        for key, item in value.items():
            keys.add(key)
            keys |= collect_keys(item)
    elif isinstance(value, list):
        for item in value:
            keys |= collect_keys(item)
    return keys


def assert_no_password_in(response: requests.Response) -> None:
    """Fail if a response body contains a password hash or a "password" key.

    The keys of an error's "errors" object name the invalid request fields, so
    {"errors": {"password": "too short"}} is allowed.
    """
    where = f"{response.request.method} {response.request.url}"
    assert "$argon2" not in response.text, f"{where} returned a password hash"

    try:
        body = response.json()
    except ValueError:
        return
    if isinstance(body, dict) and isinstance(body.get("errors"), dict):
        body = {key: value for key, value in body.items() if key != "errors"}
    assert "password" not in collect_keys(body), f"{where} returned a password field"


class ServiceClient:
    """Send requests to one service through HAProxy, which routes on the Host header."""

    def __init__(self, base_url: str, host: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.host = host

    def request(self, method, path, *, auth=None, headers=None, **kwargs) -> requests.Response:
        """Send one request and check that its response leaks no password.

        `auth` is a User or a (username, password) pair. `headers` may override
        the Host and Authorization headers set here. Redirects are not followed,
        so a redirect shows up as a failed status check.
        """
        all_headers = {"Host": self.host}
        if auth is not None:
            username, password = auth.credentials if isinstance(auth, User) else auth
            all_headers["Authorization"] = basic_auth(username, password)
        all_headers.update(headers or {})

        response = requests.request(
            method,
            self.base_url + path,
            headers=all_headers,
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
            **kwargs,
        )
        assert_no_password_in(response)
        return response

    def get(self, path, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def get_next_page(self, response: requests.Response, **kwargs) -> requests.Response:
        """Fetch the URL of the response's Link rel="next" header through HAProxy.

        The link may be absolute with the service's public host name, which does
        not resolve here, so only its path and query string are kept.
        """
        parts = urlsplit(response.links["next"]["url"])
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.get(path, **kwargs)


def assert_json(response: requests.Response) -> None:
    """Fail unless the response declares a JSON body."""
    content_type = response.headers.get("Content-Type", "")
    assert content_type.startswith("application/json"), (
        f"Content-Type {content_type!r}, body {response.text[:200]!r}"
    )


def assert_error(response: requests.Response, status: int) -> dict:
    """Check the status and the JSON error shape, and return the decoded body."""
    assert response.status_code == status, response.text[:500]
    assert_json(response)

    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("status") == f"{status} {REASON_PHRASES[status]}", body
    assert isinstance(body.get("message"), str), body
    assert body["message"].strip(), body
    return body


def assert_post_shape(post: dict) -> None:
    """Check the fields and field types of one post object."""
    assert set(post) == POST_FIELDS, post
    assert isinstance(post["id"], int), post
    assert isinstance(post["username"], str), post
    assert isinstance(post["text"], str), post
    assert TIMESTAMP_PATTERN.match(post["timestamp"]), post
    assert isinstance(post["repost"], bool), post
    assert post["original_post_url"] is None or isinstance(post["original_post_url"], str), post


def location_path(response: requests.Response) -> str:
    """Return the path of the response's Location header without a trailing slash."""
    return urlsplit(response.headers["Location"]).path.rstrip("/")


def collect_pages(client: ServiceClient, path: str, *, limit: int, between_pages=None, **kwargs):
    """Walk a paginated list through its Link headers and return (items, responses).

    `between_pages`, if given, is called after each page that has a next page,
    before that page is fetched.
    """
    items = []
    responses = []
    response = client.get(path, params={"limit": limit}, **kwargs)
    for _ in range(MAX_PAGES):
        assert response.status_code == 200, response.text[:500]
        responses.append(response)
        items.extend(response.json())
        if "next" not in response.links:
            return items, responses

        if between_pages is not None:
            between_pages()
        response = client.get_next_page(response, **kwargs)
    raise AssertionError(f"{path} still had a next page after {MAX_PAGES} pages")


def run_concurrently(send, copies: int = 10) -> list:
    """Call send() from `copies` threads released together and return the results in order."""
    barrier = threading.Barrier(copies, timeout=REQUEST_TIMEOUT)

    def send_after_barrier(_index):
        barrier.wait()
        return send()

    with ThreadPoolExecutor(max_workers=copies) as pool:
        return list(pool.map(send_after_barrier, range(copies)))
