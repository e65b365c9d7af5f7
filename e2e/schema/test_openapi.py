"""Check every service against its OpenAPI document with schemathesis.

Each test downloads a service's /openapi.json from the running stack and
runs the schemathesis CLI against the service. A run fails on any 5xx, and on
any status code, content type, documented header or body that the document
does not describe. Requests go through HAProxy with the service's Host
header, and to the registry directly.

The runs change data (accounts, posts, likes, polls, votes), so they are
skipped unless E2E_OPENAPI=1; run them on a disposable stack, after the other
end-to-end tests. E2E_REGISTRY_URL sets the registry's address (default
http://127.0.0.1:5000).
"""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from e2e.support import REQUEST_TIMEOUT, ServiceClient, User, unique_username

pytestmark = pytest.mark.skipif(
    os.environ.get("E2E_OPENAPI") != "1",
    reason="the schemathesis runs change data; set E2E_OPENAPI=1 to run them",
)

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"

# Fixed, so a failure can be reproduced with the same seed. With 20 examples
# per operation, all runs together took about 30 s on a 2-core machine.
SEED = 20261204
MAX_EXAMPLES = 20
RUN_TIMEOUT_S = 150
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
# Body fields and path parameters that name the acting user. Any other value
# is a 403, so they are pinned to the run's user to reach the success paths.
ACTING_USER_FIELDS = ("username", "follower_username", "voter_username")
# Operations that could change or delete the credentials of the main run.
ACCOUNT_CHANGES = ("/user/update", "/user/delete")
# POST and DELETE /register would make the registry probe generated URLs and
# the services send requests to them, so they are not fuzzed.
REGISTRY_CHANGES = ("/register",)


@pytest.fixture(scope="module")
def registry_url() -> str:
    return os.environ.get("E2E_REGISTRY_URL", "http://127.0.0.1:5000")


@pytest.fixture(scope="module")
def run_user(users) -> User:
    """Create the account whose credentials every run except the account changes uses."""
    return _create_user(users, "schema")


def test_documents_served_as_packaged(base_url, registry_url):
    for service in ("users", "timelines", "likes", "polls", "registry"):
        response = _fetch_document(_client(service, base_url, registry_url))

        assert response.status_code == 200, f"{service}: {response.text[:300]}"
        assert response.headers["Content-Type"] == "application/json"
        packaged = json.loads((REPOSITORY_ROOT / "services" / service / "openapi.json").read_text())
        assert response.json() == packaged, f"{service} serves another document"


@pytest.mark.parametrize("service", ["users", "timelines", "likes", "polls"])
def test_service_conforms_to_document(service, base_url, registry_url, run_user, tmp_path):
    excluded = ACCOUNT_CHANGES if service == "users" else ()
    _run_schemathesis(
        service, base_url, registry_url, tmp_path, user=run_user, exclude_paths=excluded
    )


def test_account_changes_conform_to_document(base_url, registry_url, users, tmp_path):
    # A user of its own, because these runs may change its password or delete it.
    user = _create_user(users, "schema_doomed")
    _run_schemathesis(
        "users",
        base_url,
        registry_url,
        tmp_path,
        user=user,
        include_paths=ACCOUNT_CHANGES,
        pinned_id=user.id,
    )


def test_registry_conforms_to_document(base_url, registry_url, tmp_path):
    _run_schemathesis("registry", base_url, registry_url, tmp_path, exclude_paths=REGISTRY_CHANGES)


def _run_schemathesis(
    service: str,
    base_url: str,
    registry_url: str,
    tmp_path: Path,
    *,
    user: User | None = None,
    include_paths: tuple[str, ...] = (),
    exclude_paths: tuple[str, ...] = (),
    pinned_id: int | None = None,
) -> None:
    """Run the schemathesis CLI against one service and fail with its output on any issue."""
    client = _client(service, base_url, registry_url)
    response = _fetch_document(client)
    assert response.status_code == 200, response.text[:300]
    document = response.json()
    if user is not None:
        document = _pin_acting_user(document, user.username, pinned_id)
    schema_path = tmp_path / f"{service}-openapi.json"
    schema_path.write_text(json.dumps(document))

    command = [
        str(SCHEMATHESIS),
        "run",
        str(schema_path),
        "--url",
        client.base_url,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        # The stateful phase chains calls for as long as it finds links, so it is left out.
        "--phases",
        "examples,coverage,fuzzing",
        "--generation-database",
        "none",
        "--request-timeout",
        "15",
        "--no-color",
    ]
    if client.host is not None:
        command += ["--header", f"Host: {client.host}"]
    if user is not None:
        # Valid credentials only: generated ones would use up the login
        # failure budget of real usernames.
        command += ["--auth", f"{user.username}:{user.password}"]
        command += ["--generation-with-security-parameters", "false"]
    for path in include_paths:
        command += ["--include-path", path]
    for path in exclude_paths:
        command += ["--exclude-path", path]

    # The command is built from constants and the run's own user, not from input.
    result = subprocess.run(  # noqa: S603
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )

    assert result.returncode == 0, f"schemathesis found issues in {service}:\n{result.stdout}"


def _pin_acting_user(document: dict, username: str, user_id: int | None) -> dict:
    """Return a copy of document whose acting-user fields accept only this user."""
    document = copy.deepcopy(document)
    for path_item in document["paths"].values():
        for operation in path_item.values():
            if "security" not in operation:
                continue

            for parameter in operation.get("parameters", []):
                if parameter.get("name") in ACTING_USER_FIELDS:
                    parameter["schema"] = {"enum": [username]}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            properties = body["schema"]["properties"] if body else {}
            for name in ACTING_USER_FIELDS:
                if name in properties:
                    properties[name] = {"enum": [username]}
            if user_id is not None and "user_id" in properties:
                properties["user_id"] = {"enum": [user_id, str(user_id)]}
    return document


def _fetch_document(client: ServiceClient) -> requests.Response:
    # Not client.get: the document names the password fields of request
    # bodies, which that client's check for leaked passwords rejects.
    headers = {"Host": client.host} if client.host else {}
    return requests.get(client.base_url + "/openapi.json", headers=headers, timeout=REQUEST_TIMEOUT)


def _client(service: str, base_url: str, registry_url: str) -> ServiceClient:
    if service == "registry":
        return ServiceClient(registry_url, None)
    return ServiceClient(base_url, f"{service}.localhost")


def _create_user(users: ServiceClient, prefix: str) -> User:
    username = unique_username(prefix)
    password = f"{username}-password"
    email = f"{username.lower()}@example.test"
    response = users.post(
        "/user/new", json={"username": username, "email": email, "password": password}
    )
    assert response.status_code == 201, response.text[:300]
    return User(response.json()["id"], username, email, password)
