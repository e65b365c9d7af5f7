"""Create the polls service's DynamoDB tables from tables.json, if they are missing.

Run it as `python -m infra.dynamodb.create_tables` or
`python infra/dynamodb/create_tables.py`. It needs only boto3 and this folder, so it works
the same against moto's server and amazon/dynamodb-local.

Environment variables, read once at start:
  DYNAMODB_URL                endpoint (default http://127.0.0.1:5800)
  AWS_REGION                  region name (default us-east-1)
  AWS_ACCESS_KEY_ID           access key (default local, which emulators accept)
  AWS_SECRET_ACCESS_KEY       secret key (default local)
  DYNAMODB_TABLE_PREFIX       prefix of every table name (default microblog_)
  DYNAMODB_CONNECT_TIMEOUT_S  seconds to open a connection (default 1)
  DYNAMODB_READ_TIMEOUT_S     seconds to wait for a response (default 3)
  DYNAMODB_MAX_ATTEMPTS       tries per request, the first included (default 2)
  DYNAMODB_STARTUP_TIMEOUT_S  seconds to wait for the endpoint and the tables (default 30)
"""

import argparse
import json
import logging
import math
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, WaiterError

log = logging.getLogger(__name__)

TABLES_FILE = Path(__file__).with_name("tables.json")
# DynamoDB table names: 3-255 of these characters.
TABLE_PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_.-]{0,200}")
# ListTables returns at most 100 names per page, so this bounds the listing loop.
MAX_LIST_PAGES = 100


class SettingsError(RuntimeError):
    """A DYNAMODB_* or AWS_* variable is invalid."""


class TablesError(RuntimeError):
    """The tables could not be created or do not have the expected keys."""


@dataclass(frozen=True)
class DynamoDBSettings:
    """How to reach DynamoDB and which tables to use."""

    url: str
    region: str
    access_key_id: str
    secret_access_key: str
    table_prefix: str
    connect_timeout_s: float
    read_timeout_s: float
    max_attempts: int
    startup_timeout_s: float

    @classmethod
    def from_env(cls) -> "DynamoDBSettings":
        """Read the settings, raising SettingsError that names a bad variable."""
        url = _env("DYNAMODB_URL", "http://127.0.0.1:5800").rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SettingsError(f"environment variable DYNAMODB_URL={url!r} is not an http(s) URL")

        prefix = os.environ.get("DYNAMODB_TABLE_PREFIX", "microblog_")
        if not TABLE_PREFIX_PATTERN.fullmatch(prefix):
            raise SettingsError(
                f"environment variable DYNAMODB_TABLE_PREFIX={prefix!r} is invalid: "
                "use up to 200 of A-Z a-z 0-9 _ . -"
            )

        return cls(
            url=url,
            region=_env("AWS_REGION", "us-east-1"),
            access_key_id=_env("AWS_ACCESS_KEY_ID", "local"),
            secret_access_key=_env("AWS_SECRET_ACCESS_KEY", "local"),
            table_prefix=prefix,
            connect_timeout_s=_env_number("DYNAMODB_CONNECT_TIMEOUT_S", 1.0, minimum=0.1),
            read_timeout_s=_env_number("DYNAMODB_READ_TIMEOUT_S", 3.0, minimum=0.1),
            max_attempts=int(_env_number("DYNAMODB_MAX_ATTEMPTS", 2, minimum=1, integer=True)),
            startup_timeout_s=_env_number("DYNAMODB_STARTUP_TIMEOUT_S", 30.0, minimum=0.0),
        )

    def __repr__(self) -> str:
        # Keep the secret key out of tracebacks and debug output.
        return (
            f"DynamoDBSettings(url={self.url!r}, region={self.region!r}, "
            f"table_prefix={self.table_prefix!r}, secret_access_key=<hidden>)"
        )


def connect(settings: DynamoDBSettings):
    """Build a DynamoDB client for the configured endpoint, with short timeouts."""
    # With explicit credentials and endpoint, botocore has no reason to query
    # the EC2 instance metadata service. This turns that lookup off all the same.
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    session = boto3.session.Session(
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        region_name=settings.region,
    )
    config = Config(
        connect_timeout=settings.connect_timeout_s,
        read_timeout=settings.read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
    )
    return session.client("dynamodb", endpoint_url=settings.url, config=config)


def table_definitions(prefix: str) -> list[dict[str, Any]]:
    """Return the CreateTable requests of tables.json, with prefixed table names."""
    definitions = json.loads(TABLES_FILE.read_text())
    return [{**table, "TableName": prefix + table["TableName"]} for table in definitions]


def ensure_tables(client, prefix: str, timeout_s: float) -> list[str]:
    """Create every missing table and wait until all are active; return the new names.

    Waits up to timeout_s for the endpoint to respond. Raises TablesError when it
    does not, or when an existing table has other keys than tables.json defines.
    Several processes may run this at once: a table that another one creates
    first counts as existing.
    """
    deadline = time.monotonic() + timeout_s
    wait_until_answering(client, deadline)
    existing = _table_names(client, prefix)

    created = []
    for definition in table_definitions(prefix):
        name = definition["TableName"]
        if name in existing:
            continue
        try:
            client.create_table(**definition)
            created.append(name)
            log.info("created DynamoDB table %s", name)
        except ClientError as error:
            if _error_code(error) != "ResourceInUseException":
                raise

    for definition in table_definitions(prefix):
        _wait_until_active(client, definition["TableName"], deadline)
        _check_keys(client, definition)
    return created


def wait_until_answering(client, deadline: float) -> None:
    """Call ListTables until the endpoint responds, or raise TablesError at the deadline."""
    while True:
        try:
            client.list_tables(Limit=1)
            return
        except (BotoCoreError, ClientError) as error:
            if isinstance(error, ClientError) and not _is_server_error(error):
                raise
            if time.monotonic() >= deadline:
                raise TablesError(
                    f"DynamoDB at {client.meta.endpoint_url} did not respond in time ({error}): "
                    "check that it runs and that DYNAMODB_URL points at it"
                ) from None
            log.warning("DynamoDB is not responding yet, retrying in 1 s: %s", error)
            time.sleep(1)


def _table_names(client, prefix: str) -> set[str]:
    names: set[str] = set()
    arguments: dict[str, Any] = {}
    for _ in range(MAX_LIST_PAGES):
        response = client.list_tables(**arguments)
        names.update(name for name in response["TableNames"] if name.startswith(prefix))
        if "LastEvaluatedTableName" not in response:
            return names
        arguments["ExclusiveStartTableName"] = response["LastEvaluatedTableName"]
    raise TablesError(f"ListTables returned more than {MAX_LIST_PAGES} pages")


def _wait_until_active(client, name: str, deadline: float) -> None:
    # Emulators create tables in the ACTIVE state, but real DynamoDB takes seconds.
    attempts = max(1, math.ceil(deadline - time.monotonic()))
    try:
        client.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": attempts}
        )
    except WaiterError as error:
        raise TablesError(f"table {name} did not become active in time: {error}") from None


def _check_keys(client, definition: dict[str, Any]) -> None:
    name = definition["TableName"]
    table = client.describe_table(TableName=name)["Table"]
    if _key_names(table["KeySchema"]) != _key_names(definition["KeySchema"]):
        raise TablesError(
            f"table {name} exists with the key {_key_names(table['KeySchema'])}, "
            f"but tables.json expects {_key_names(definition['KeySchema'])}: "
            "delete the table or use another DYNAMODB_TABLE_PREFIX"
        )


def _key_names(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in schema]


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _is_server_error(error: ClientError) -> bool:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _env_number(name: str, default: float, *, minimum: float, integer: bool = False) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise SettingsError(f"environment variable {name}={raw!r} is not {kind}") from None
    if not math.isfinite(value) or value < minimum:
        raise SettingsError(f"environment variable {name}={raw!r} must be at least {minimum}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Create the missing tables; return 0 on success and 1 on failure."""
    parser = argparse.ArgumentParser(
        description="Create the polls service's DynamoDB tables if they are missing. "
        "Settings come from DYNAMODB_URL, DYNAMODB_TABLE_PREFIX, AWS_REGION and the "
        "other variables listed in this file's docstring."
    )
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    try:
        settings = DynamoDBSettings.from_env()
        client = connect(settings)
        created = ensure_tables(client, settings.table_prefix, settings.startup_timeout_s)
    except (SettingsError, TablesError, BotoCoreError, ClientError) as error:
        print(f"create_tables: failed: {error}", file=sys.stderr)
        return 1

    names = ", ".join(created) if created else "none, every table already existed"
    print(f"create_tables: DynamoDB at {settings.url} is ready; tables created: {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
