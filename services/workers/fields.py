"""Read the fields of a job body, burying the job when one is missing or invalid."""

import uuid
from typing import Any

from services.common.validation import USERNAME_PATTERN, parse_id, string_problem

from .errors import MalformedJob


def username(body: dict[str, Any], name: str = "username") -> str:
    """Return a field that must be a well-formed username."""
    value = body.get(name)
    if not isinstance(value, str) or not USERNAME_PATTERN.fullmatch(value):
        raise MalformedJob(f"field {name} is missing or not a username")
    return value


def identifier(body: dict[str, Any], name: str) -> int:
    """Return a field that must be a positive id."""
    value = body.get(name)
    number = parse_id(value) if isinstance(value, int) else None
    if number is None:
        raise MalformedJob(f"field {name} is missing or not a positive integer")
    return number


def text(body: dict[str, Any], name: str = "text") -> str:
    """Return a field that must be storable text."""
    value = body.get(name)
    if value is None or string_problem(value):
        raise MalformedJob(f"field {name} is missing or not valid text")
    return value


def job_uuid(body: dict[str, Any], name: str = "job_id") -> str:
    """Return a field that must be a UUID, in canonical form."""
    value = body.get(name)
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise MalformedJob(f"field {name} is missing or not a UUID") from None
