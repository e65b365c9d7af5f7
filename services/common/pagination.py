"""Keyset pagination: page size, opaque cursors and the Link header."""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import request

from .errors import bad_request

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)
CURSOR_PATTERN = re.compile(r"(\d{1,18})_(\d{1,19})")


@dataclass(frozen=True)
class Cursor:
    """A position in a list ordered by (created_at, id), newest first."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        """Return the cursor as the `before` query value."""
        micros = (self.created_at - EPOCH) // timedelta(microseconds=1)
        return f"{micros}_{self.id}"


@dataclass(frozen=True)
class Page:
    """The requested page: how many items, and the cursor to start after."""

    limit: int
    before: Cursor | None


def requested_limit(default: int = 20, maximum: int = 100) -> int:
    """Read `limit` from the query string, or raise a 400."""
    raw_limit = request.args.get("limit")
    if raw_limit is None:
        return default

    if not (raw_limit.isascii() and raw_limit.isdigit()) or not 1 <= int(raw_limit) <= maximum:
        raise bad_request(
            f"limit={raw_limit!r} is invalid: use an integer from 1 to {maximum}",
            {"limit": f"must be an integer from 1 to {maximum}"},
        )
    return int(raw_limit)


def requested_page(default: int = 20, maximum: int = 100) -> Page:
    """Read `limit` and `before` from the query string, or raise a 400."""
    limit = requested_limit(default, maximum)

    raw_before = request.args.get("before")
    before = None
    if raw_before is not None:
        before = decode_cursor(raw_before)
    return Page(limit, before)


def decode_cursor(value: str) -> Cursor:
    """Turn a `before` query value back into a cursor, or raise a 400."""
    invalid = bad_request(
        f"before={value!r} is not a cursor from a previous page's Link header",
        {"before": "invalid cursor"},
    )
    match = CURSOR_PATTERN.fullmatch(value)
    if match is None or int(match.group(2)) > 2**63 - 1:
        raise invalid
    try:
        created_at = EPOCH + timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        # 18 digits of microseconds reach past datetime's year 9999.
        raise invalid from None
    return Cursor(created_at, int(match.group(2)))


def next_link(limit: int, cursor: str) -> dict[str, str]:
    """Return the Link header that points at the page after cursor."""
    query = urlencode({"limit": limit, "before": cursor})
    return {"Link": f'<{request.base_url}?{query}>; rel="next"'}


def paged_response(
    rows: Sequence[dict[str, Any]],
    page: Page,
    render: Callable[[dict[str, Any]], Any],
) -> tuple[list[Any], dict[str, str]]:
    """Render one page of rows fetched with LIMIT page.limit + 1, plus its headers.

    The extra row only shows whether a next page exists; it is not returned.
    """
    items = [render(row) for row in rows[: page.limit]]
    headers = {}
    if len(rows) > page.limit:
        last = rows[page.limit - 1]
        headers = next_link(page.limit, Cursor(last["created_at"], last["id"]).encode())
    return items, headers


def keyset_params(page: Page) -> dict[str, Any]:
    """Return query parameters for `(created_at, id) < (%(before_at)s, %(before_id)s)`.

    The first page starts after a cursor beyond every row, so one query text,
    and so one index-friendly plan, serves every page.
    """
    if page.before is None:
        return {"before_at": END_OF_TIME, "before_id": 2**63 - 1, "fetch": page.limit + 1}
    return {
        "before_at": page.before.created_at,
        "before_id": page.before.id,
        "fetch": page.limit + 1,
    }


def format_timestamp(value: datetime) -> str:
    """Format a time as ISO 8601 UTC with milliseconds, e.g. 2026-12-04T19:16:45.123Z."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
