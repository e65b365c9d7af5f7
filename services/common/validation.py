"""Parse JSON request bodies and check their fields before anything is stored."""

import json
import re
from typing import Any

from flask import request

from .errors import ApiError, bad_request

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_]{1,30}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)*")
MAX_ID = 2**63 - 1  # Postgres bigint


def json_object(allowed: set[str], *, optional: bool = False) -> dict[str, Any]:
    """Parse the request body as a JSON object whose keys are all in allowed.

    With optional=True an empty body yields an empty dict, for endpoints where
    every field has a default.
    """
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}

    if request.mimetype != "application/json":
        raise ApiError(415, "request body must be JSON, sent with Content-Type: application/json")
    if not raw.strip():
        raise bad_request("request body is empty; send a JSON object")

    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("request body is not valid JSON") from None

    if not isinstance(data, dict):
        raise bad_request("request body must be a JSON object")

    unknown = sorted(set(data) - allowed)
    if unknown:
        raise bad_request(
            f"unknown field(s): {', '.join(unknown)}",
            {name: "unknown field" for name in unknown},
        )
    return data


class Fields:
    """Check the fields of one request body, collecting every problem."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def text(
        self,
        name: str,
        *,
        max_length: int,
        min_length: int = 1,
        required: bool = True,
        strip: bool = False,
    ) -> str | None:
        """Return a string field whose length in code points is within the bounds."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.errors[name] = "missing"
            return None

        problem = string_problem(value)
        if problem:
            self.errors[name] = problem
            return None

        if strip:
            value = value.strip()
        if not min_length <= len(value) <= max_length:
            self.errors[name] = f"must be {min_length} to {max_length} characters long"
            return None
        return value

    def username(self, name: str, *, required: bool = True) -> str | None:
        """Return a field that must be a well-formed username."""
        value = self.text(name, max_length=30, required=required)
        if value is not None and not USERNAME_PATTERN.fullmatch(value):
            self.errors[name] = "must be 1 to 30 of A-Z, a-z, 0-9 and _"
            return None
        return value

    def email(self, name: str, *, required: bool = True) -> str | None:
        """Return a field that must look like an email address (local@domain)."""
        value = self.text(name, max_length=254, required=required, strip=True)
        if value is not None and not EMAIL_PATTERN.fullmatch(value):
            self.errors[name] = "must be an email address such as ada@example.com"
            return None
        return value

    def identifier(self, name: str, *, required: bool = True) -> int | None:
        """Return a positive id given as an integer or a string of digits.

        httpie sends `user_id=5` as the string "5", so both forms are accepted.
        """
        value = self.data.get(name)
        if value is None:
            if required:
                self.errors[name] = "missing"
            return None

        number = parse_id(value)
        if number is None:
            self.errors[name] = "must be a positive integer"
        return number

    def check(self) -> None:
        """Raise a 400 naming every invalid field, if there is one."""
        if self.errors:
            details = "; ".join(f"{name}: {problem}" for name, problem in self.errors.items())
            raise bad_request(f"invalid request body ({details})", self.errors)


def string_problem(value: Any) -> str | None:
    """Describe why a JSON value cannot be stored as text, or return None."""
    if not isinstance(value, str):
        return "must be a string"
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # JSON allows escaped lone surrogates such as "\ud800", UTF-8 does not.
        return "must be valid Unicode text"
    return None


def parse_id(value: Any) -> int | None:
    """Return value as an id in 1..2**63-1, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        return value
    return None
