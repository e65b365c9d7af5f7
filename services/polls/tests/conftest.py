"""Fixtures for the polls service tests: tables of their own in a real DynamoDB
emulator, and the real users service over HTTP from services/conftest.py."""

import base64
import os
import secrets

import pytest

from infra.dynamodb.create_tables import DynamoDBSettings, connect, table_definitions
from services.conftest import truncate_all
from services.polls import create_app
from services.polls.data import Store
from services.polls.settings import PollsSettings

# A Scan page holds up to 1 MB, far more than the tests store.
MAX_SCAN_PAGES = 20


@pytest.fixture(scope="session")
def dynamodb_url() -> str:
    """Return the endpoint of the DynamoDB emulator that the tests may use."""
    url = os.environ.get("TEST_DYNAMODB_URL")
    if not url:
        pytest.fail(
            "TEST_DYNAMODB_URL is not set: run scripts/test, or start a DynamoDB emulator "
            "(see infra/dynamodb/emulator.py) and set it to the emulator's URL"
        )
    return url


@pytest.fixture(scope="session")
def dynamodb_settings(dynamodb_url):
    """Return DynamoDB settings with a table prefix of this session, and drop its tables after."""
    settings = DynamoDBSettings(
        url=dynamodb_url,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test",
        table_prefix=f"test_{os.getpid()}_{secrets.token_hex(4)}_",
        connect_timeout_s=1.0,
        read_timeout_s=3.0,
        max_attempts=2,
        startup_timeout_s=10.0,
    )
    yield settings

    client = connect(settings)
    existing = set(client.list_tables(Limit=100)["TableNames"])
    for definition in table_definitions(settings.table_prefix):
        if definition["TableName"] in existing:
            client.delete_table(TableName=definition["TableName"])


@pytest.fixture(scope="session")
def settings(dynamodb_settings, users_service) -> PollsSettings:
    """Return polls settings pointing at the test tables and users service."""
    return PollsSettings(
        dynamodb=dynamodb_settings,
        users_url=users_service.url,
        users_timeout_s=3.0,
        auth_cache_ttl_s=30.0,
        public_url="http://polls.localhost",
    )


@pytest.fixture(scope="session")
def session_app(settings):
    """Build one polls app for the whole session, which creates the test tables."""
    return create_app(settings)


@pytest.fixture
def store(session_app) -> Store:
    """Return the DynamoDB tables of the polls app."""
    return session_app.extensions["polls"].store


@pytest.fixture
def app(session_app, store, users_service):
    """Return the polls app with empty tables and no users."""
    for table in (store.polls_table, store.votes_table, store.counters_table):
        empty_table(store, table)
    truncate_all(users_service.database_url)
    session_app.extensions["polls"].users.clear_caches()
    return session_app


@pytest.fixture
def client(app):
    """Return a test client of the polls app."""
    return app.test_client()


def basic(username: str, password: str = "password") -> dict[str, str]:
    """Return an Authorization header with HTTP Basic credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def scan_items(store: Store, table: str) -> list[dict]:
    """Return every item of a table, in DynamoDB's low-level form."""
    items: list[dict] = []
    arguments: dict = {"TableName": table, "ConsistentRead": True}
    for _ in range(MAX_SCAN_PAGES):
        response = store.client.scan(**arguments)
        items.extend(response["Items"])
        if "LastEvaluatedKey" not in response:
            return items
        arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    raise AssertionError(f"table {table} has more than {MAX_SCAN_PAGES} scan pages")


def empty_table(store: Store, table: str) -> None:
    """Delete every item of a table."""
    schema = store.client.describe_table(TableName=table)["Table"]["KeySchema"]
    key_names = [key["AttributeName"] for key in schema]
    for item in scan_items(store, table):
        store.client.delete_item(TableName=table, Key={name: item[name] for name in key_names})


def poll_id_counter(store: Store) -> int:
    """Return the last poll id handed out, or 0 before the first."""
    response = store.client.get_item(
        TableName=store.counters_table, Key={"name": {"S": "poll_id"}}, ConsistentRead=True
    )
    item = response.get("Item")
    return int(item["value"]["N"]) if item else 0
