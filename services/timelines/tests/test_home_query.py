"""Tests of the home timeline query against a plain ordering of the same posts."""

import random
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from services.common.pagination import Cursor, Page
from services.timelines import data

AUTHORS = [f"author{number}" for number in range(12)]
START = datetime(2026, 1, 1, tzinfo=UTC)


def insert_posts(url: str) -> list[tuple[datetime, int, str]]:
    """Insert posts by AUTHORS at often repeated times, as (created_at, id, author) rows."""
    chooser = random.Random(7)  # noqa: S311 - test data, not a secret
    rows = []
    with psycopg.connect(url, row_factory=dict_row) as conn:
        for _ in range(150):
            # Skewed: the first authors write most posts, and times collide.
            author = AUTHORS[min(int(chooser.expovariate(0.4)), len(AUTHORS) - 1)]
            created_at = START + timedelta(seconds=chooser.randrange(60))
            row = conn.execute(
                "INSERT INTO posts (username, text, created_at) VALUES (%s, 'x', %s) "
                "RETURNING id, created_at",
                (author, created_at),
            ).fetchone()
            rows.append((row["created_at"], row["id"], author))
    return rows


def read_pages(url: str, followed: list[str], limit: int) -> list[int]:
    """Page through the home query, limit posts at a time, and return every post id in order."""
    ids = []
    before = None
    with psycopg.connect(url, row_factory=dict_row) as conn:
        for _ in range(200):
            rows = data.authors_posts_page(conn, followed, Page(limit, before))
            page = rows[:limit]
            ids.extend(row["id"] for row in page)
            if len(rows) <= limit:
                return ids
            before = Cursor(page[-1]["created_at"], page[-1]["id"])
    raise AssertionError("the home query did not reach its last page in 200 pages")


def test_home_pages_match_plain_order(app, timelines_database):
    posts = insert_posts(timelines_database)
    cases = [(AUTHORS, 20), (AUTHORS, 3), (AUTHORS[:2], 5), (AUTHORS[5:], 1), (["nobody"], 4)]

    for followed, limit in cases:
        expected = [
            post_id for _, post_id, author in sorted(posts, reverse=True) if author in followed
        ]

        assert read_pages(timelines_database, followed, limit) == expected, (followed, limit)
