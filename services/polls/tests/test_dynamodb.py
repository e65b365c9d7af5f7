"""Tests of the polls service's use of DynamoDB: table creation, expressions, outages."""

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from infra.dynamodb.create_tables import (
    DynamoDBSettings,
    SettingsError,
    TablesError,
    connect,
    ensure_tables,
    table_definitions,
)
from services.polls import create_app, data

from .conftest import basic

REPOSITORY_ROOT = Path(__file__).resolve().parents[3]
# Words that may appear bare in an expression; anything else must be a #name or :value.
EXPRESSION_KEYWORDS = {"ADD", "AND", "OR", "NOT", "SET", "attribute_exists", "attribute_not_exists"}


def closed_port() -> int:
    """Return a local TCP port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dynamodb_env(settings: DynamoDBSettings, **overrides: str) -> dict[str, str]:
    """Return the environment that points create_tables at the given endpoint and prefix."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DYNAMODB_", "AWS_"))
    }
    env.update(
        {
            "DYNAMODB_URL": settings.url,
            "DYNAMODB_TABLE_PREFIX": settings.table_prefix,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    env.update(overrides)
    return env


def run_create_tables(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, *arguments],
        cwd=REPOSITORY_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def drop_tables(settings: DynamoDBSettings) -> None:
    client = connect(settings)
    existing = set(client.list_tables(Limit=100)["TableNames"])
    for definition in table_definitions(settings.table_prefix):
        if definition["TableName"] in existing:
            client.delete_table(TableName=definition["TableName"])


@pytest.fixture
def other_prefix(dynamodb_settings):
    """Return DynamoDB settings with a fresh table prefix; drop its tables afterwards."""
    settings = replace(dynamodb_settings, table_prefix=dynamodb_settings.table_prefix + "x_")
    yield settings
    drop_tables(settings)


@pytest.fixture
def app_without_dynamodb(app, settings):
    """Return a second polls app whose DynamoDB endpoint stopped listening after start-up."""
    down_app = create_app(settings)
    closed = replace(settings.dynamodb, url=f"http://127.0.0.1:{closed_port()}")
    down_app.extensions["polls"].store = data.Store.connect(closed)
    return down_app


def test_health_check_200(client):
    response = client.get("/health-check")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_dynamodb_down_health_check_503(app_without_dynamodb):
    response = app_without_dynamodb.test_client().get("/health-check")

    assert response.status_code == 503
    assert response.is_json


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/poll", {"question": "Q?", "options": ["a", "b"]}),
        ("get", "/poll/results/ada/1", None),
        ("put", "/poll/vote", {"poll_id": 1, "owner_username": "ada", "vote": 1}),
        ("delete", "/poll/delete", {"poll_id": 1}),
    ],
)
def test_dynamodb_down_503(app_without_dynamodb, make_user, method, path, body):
    make_user("ada")
    client = app_without_dynamodb.test_client()

    started = time.monotonic()
    response = getattr(client, method)(path, json=body, headers=basic("ada"))

    assert response.status_code == 503
    assert response.get_json() == {
        "status": "503 Service Unavailable",
        "message": "DynamoDB is unavailable, try again shortly",
    }
    assert time.monotonic() - started < 10


def test_dynamodb_silent_503_after_timeout(app, settings, make_user):
    make_user("ada")
    hanging_app = create_app(settings)
    with socket.socket() as silent:
        # The kernel completes connections to a listening socket, but nothing
        # ever reads the request, so every response times out.
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        hanging = replace(settings.dynamodb, url=f"http://127.0.0.1:{port}", read_timeout_s=0.5)
        hanging_app.extensions["polls"].store = data.Store.connect(hanging)

        started = time.monotonic()
        response = hanging_app.test_client().get("/poll/results/ada/1")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.is_json
    assert elapsed < 5


def test_missing_tables_503(app, settings):
    missing_app = create_app(settings)
    no_tables = replace(settings.dynamodb, table_prefix="no_such_tables_")
    missing_app.extensions["polls"].store = data.Store.connect(no_tables)
    client = missing_app.test_client()

    results = client.get("/poll/results/ada/1")
    health = client.get("/health-check")

    assert results.status_code == 503
    assert results.is_json
    assert health.status_code == 503


def test_create_app_without_dynamodb_fails(settings):
    closed = replace(
        settings.dynamodb, url=f"http://127.0.0.1:{closed_port()}", startup_timeout_s=0.0
    )

    with pytest.raises(TablesError, match="did not respond in time"):
        create_app(replace(settings, dynamodb=closed))


def test_ensure_tables_is_idempotent(other_prefix):
    client = connect(other_prefix)

    first = ensure_tables(client, other_prefix.table_prefix, timeout_s=10)
    second = ensure_tables(client, other_prefix.table_prefix, timeout_s=10)

    names = [definition["TableName"] for definition in table_definitions(other_prefix.table_prefix)]
    assert sorted(first) == sorted(names)
    assert second == []


def test_ensure_tables_wrong_key_fails(other_prefix):
    client = connect(other_prefix)
    client.create_table(
        TableName=f"{other_prefix.table_prefix}polls",
        KeySchema=[{"AttributeName": "poll_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "poll_id", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )

    with pytest.raises(TablesError, match="exists with the key"):
        ensure_tables(client, other_prefix.table_prefix, timeout_s=10)


@pytest.mark.parametrize(
    "arguments",
    [["-m", "infra.dynamodb.create_tables"], ["infra/dynamodb/create_tables.py"]],
)
def test_create_tables_command_creates_then_keeps(other_prefix, arguments):
    env = dynamodb_env(other_prefix)

    first = run_create_tables(arguments, env)
    second = run_create_tables(arguments, env)

    assert first.returncode == 0, first.stderr
    assert f"tables created: {other_prefix.table_prefix}polls" in first.stdout
    assert second.returncode == 0, second.stderr
    assert "every table already existed" in second.stdout


def test_create_tables_command_unreachable_exits_1(dynamodb_settings):
    env = dynamodb_env(
        dynamodb_settings,
        DYNAMODB_URL=f"http://127.0.0.1:{closed_port()}",
        DYNAMODB_STARTUP_TIMEOUT_S="1",
    )

    result = run_create_tables(["-m", "infra.dynamodb.create_tables"], env)

    assert result.returncode == 1
    assert "did not respond in time" in result.stderr


def test_create_tables_command_bad_setting_exits_1(dynamodb_settings):
    env = dynamodb_env(dynamodb_settings, DYNAMODB_READ_TIMEOUT_S="soon")

    result = run_create_tables(["-m", "infra.dynamodb.create_tables"], env)

    assert result.returncode == 1
    assert "DYNAMODB_READ_TIMEOUT_S='soon' is not a number" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DYNAMODB_URL", "ftp://127.0.0.1:8000"),
        ("DYNAMODB_TABLE_PREFIX", "no spaces"),
        ("DYNAMODB_MAX_ATTEMPTS", "0"),
        ("DYNAMODB_CONNECT_TIMEOUT_S", "nan"),
    ],
)
def test_settings_invalid_value_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=name):
        DynamoDBSettings.from_env()


def test_settings_repr_hides_secret(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret")

    settings = DynamoDBSettings.from_env()

    assert "very-secret" not in repr(settings)


def test_store_table_names_match_definitions(store, dynamodb_settings):
    definitions = table_definitions(dynamodb_settings.table_prefix)
    names = {definition["TableName"] for definition in definitions}

    assert {store.polls_table, store.votes_table, store.counters_table} == names
    assert store.polls_table == f"{dynamodb_settings.table_prefix}polls"


def test_expressions_name_attributes_by_placeholder(client, make_user, store):
    sent: list[dict] = []

    def capture(params, **kwargs):
        sent.append(params)

    event = "before-parameter-build.dynamodb"
    store.client.meta.events.register(event, capture)
    try:
        make_user("ada")
        poll = client.post(
            "/poll", json={"question": "Q?", "options": ["a", "b"]}, headers=basic("ada")
        ).get_json()
        body = {"poll_id": poll["poll_id"], "owner_username": "ada", "vote": 1}
        client.put("/poll/vote", json=body, headers=basic("ada"))
        client.put("/poll/vote", json=body, headers=basic("ada"))
        client.get(f"/poll/results/ada/{poll['poll_id']}")
        client.delete("/poll/delete", json={"poll_id": poll["poll_id"]}, headers=basic("ada"))
    finally:
        store.client.meta.events.unregister(event, capture)

    expressions = [text for params in sent for text in _expressions(params)]
    assert len(expressions) >= 8
    for expression in expressions:
        bare = set(re.findall(r"(?<![#:\w])[A-Za-z_]\w*", expression)) - EXPRESSION_KEYWORDS
        assert bare == set(), expression


def _expressions(value) -> list[str]:
    """Return every *Expression string inside a request's parameters."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("Expression") and isinstance(item, str):
                found.append(item)
            else:
                found.extend(_expressions(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_expressions(item))
    return found
