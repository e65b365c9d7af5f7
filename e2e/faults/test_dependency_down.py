"""With one store or the users service stopped, the endpoints that need it return 503 fast.

Each test stops one component with scripts/down. Every endpoint that needs
it must return a JSON 503 in under MAX_503_S while the others keep working.
Then scripts/up starts the component again, and the affected endpoints must
succeed again with the same service and worker processes.
"""

import itertools
import time
from dataclasses import dataclass

import pytest

from e2e.faults.conftest import REQUEST_TIMEOUT_S, process_pids, run_down, send
from e2e.scaling.stack import wait_until
from e2e.support import User, assert_error

# Seconds an affected request may take to return its 503.
MAX_503_S = 2.0
# Seconds between the two rounds of requests while the component is down.
# The first round runs while HAProxy still routes to the instances, the
# second one after the registry has started to drop unhealthy instances
# (3 failed checks 2 s apart on the test stack).
DOWN_ROUND_GAP_S = 4.0
# Seconds, after scripts/up returned, for every affected endpoint to succeed.
RECOVERY_TIMEOUT_S = 30

marker = itertools.count()


@dataclass
class Context:
    """The accounts, post and poll that the requests of one test use."""

    author: User
    # Never authenticated before the component stops, so no service has its
    # credentials cached and every request with them needs the users service.
    newcomer: User
    post_id: int
    poll_id: int


@dataclass(frozen=True)
class Call:
    """One request of a fault test and the status it returns when all is well."""

    host: str
    method: str
    path: str
    success: int
    authenticated: bool = False
    body: dict | None = None
    # Give each send a unique text and Idempotency-Key.
    unique: bool = False

    def send(self, base_url: str, context: Context):
        body = self.body
        headers = {}
        if self.unique:
            number = next(marker)
            body = {"text": f"fault test post {context.newcomer.username} {number}"}
            headers["Idempotency-Key"] = f"fault-{context.newcomer.username}-{number}"
        user = context.newcomer if self.authenticated else None
        return send(
            base_url, self.host, self.method, self.path, user=user, json=body, headers=headers
        )


def calls(context: Context) -> dict[str, Call]:
    """Return the requests of the fault tests by name."""
    author = context.author.username
    return {
        "GET /posts/all": Call("timelines.localhost", "GET", "/posts/all?limit=1", 200),
        "POST /compose/post": Call(
            "timelines.localhost",
            "POST",
            "/compose/post",
            201,
            authenticated=True,
            body={"text": "written during a fault test"},
        ),
        "POST /compose/async/post": Call(
            "timelines.localhost",
            "POST",
            "/compose/async/post",
            202,
            authenticated=True,
            unique=True,
        ),
        "GET /user/{username}": Call("users.localhost", "GET", f"/user/{author}", 200),
        "GET /like/popular": Call("likes.localhost", "GET", "/like/popular", 200),
        "POST /like": Call(
            "likes.localhost",
            "POST",
            "/like",
            200,
            authenticated=True,
            body={"post_id": context.post_id},
        ),
        "GET /poll/results": Call(
            "polls.localhost", "GET", f"/poll/results/{author}/{context.poll_id}", 200
        ),
        # A poll that never existed: a 404 shows that DynamoDB responded.
        "GET /poll/results of a missing poll": Call(
            "polls.localhost", "GET", f"/poll/results/{author}/987654321", 404
        ),
        "POST /poll": Call(
            "polls.localhost",
            "POST",
            "/poll",
            201,
            authenticated=True,
            body={"question": "Written during a fault test?", "options": ["yes", "no"]},
        ),
        "PUT /poll/vote": Call(
            "polls.localhost",
            "PUT",
            "/poll/vote",
            200,
            authenticated=True,
            body={"poll_id": context.poll_id, "owner_username": author, "vote": 1},
        ),
    }


@dataclass(frozen=True)
class Fault:
    """A component to stop, the requests that need it and some that do not."""

    component: str
    affected: tuple[str, ...]
    unaffected: tuple[str, ...]


FAULTS = [
    Fault(
        "postgres",
        # Authentication needs the users database, so every authenticated
        # request fails too.
        affected=(
            "GET /posts/all",
            "POST /compose/post",
            "GET /user/{username}",
            "POST /like",
            "PUT /poll/vote",
        ),
        unaffected=("GET /like/popular", "GET /poll/results"),
    ),
    Fault(
        "redis",
        affected=("GET /like/popular", "POST /like"),
        unaffected=(
            "GET /posts/all",
            "POST /compose/post",
            "GET /user/{username}",
            "GET /poll/results",
        ),
    ),
    Fault(
        "beanstalkd",
        # A like needs a queued check of its post, so it is undone and rejected.
        affected=("POST /compose/async/post", "POST /like"),
        unaffected=(
            "GET /posts/all",
            "POST /compose/post",
            "GET /user/{username}",
            "GET /like/popular",
            "GET /poll/results",
        ),
    ),
    Fault(
        "dynamodb",
        # The emulator keeps its tables in memory, so the restart loses every
        # poll: only requests that need no earlier poll can succeed after it.
        affected=("GET /poll/results of a missing poll", "POST /poll"),
        unaffected=("GET /posts/all", "GET /user/{username}", "GET /like/popular"),
    ),
    Fault(
        "users",
        affected=(
            "GET /user/{username}",
            "POST /compose/post",
            "POST /compose/async/post",
            "POST /like",
            "PUT /poll/vote",
        ),
        unaffected=("GET /posts/all", "GET /like/popular", "GET /poll/results"),
    ),
]


@pytest.fixture
def context(whole_stack, make_account) -> Context:
    author = make_account("fault_author")
    newcomer = make_account("fault_new")
    base_url = whole_stack.base_url

    response, _ = send(
        base_url,
        "timelines.localhost",
        "POST",
        "/compose/post",
        user=author,
        json={"text": "liked"},
    )
    assert response.status_code == 201, response.text[:500]
    post_id = response.json()["id"]

    poll = {"question": "Still there?", "options": ["yes", "no"]}
    response, _ = send(base_url, "polls.localhost", "POST", "/poll", user=author, json=poll)
    assert response.status_code == 201, response.text[:500]
    return Context(author, newcomer, post_id, response.json()["poll_id"])


def check_round(base_url: str, context: Context, fault: Fault, round_number: int) -> list[float]:
    """Send every request once: the affected ones must fail with 503, the rest succeed."""
    requests_by_name = calls(context)
    seconds = []
    for name in fault.affected:
        response, elapsed = requests_by_name[name].send(base_url, context)
        where = f"{fault.component} down, round {round_number}: {name}"
        assert response.status_code == 503, f"{where}: {response.status_code} {response.text[:300]}"
        assert_error(response, 503)
        assert elapsed < MAX_503_S, f"{where}: the 503 took {elapsed:.2f} s"
        seconds.append(elapsed)

    for name in fault.unaffected:
        call = requests_by_name[name]
        response, _ = call.send(base_url, context)
        assert response.status_code == call.success, (
            f"{fault.component} down, round {round_number}: {name} needs no {fault.component} "
            f"but returned {response.status_code} {response.text[:300]}"
        )
    return seconds


def wait_for_success(base_url: str, context: Context, name: str, call: Call):
    """Send the request until it succeeds. Every response meanwhile must be JSON."""
    last = []

    def succeeded() -> bool:
        response, elapsed = call.send(base_url, context)
        assert elapsed < REQUEST_TIMEOUT_S
        assert response.headers.get("Content-Type", "").startswith("application/json"), (
            f"{name}: {response.status_code} without a JSON body: {response.text[:300]}"
        )
        last[:] = [response]
        return response.status_code == call.success

    wait_until(
        succeeded,
        timeout_s=RECOVERY_TIMEOUT_S,
        interval_s=0.5,
        description=f"{name} to succeed again ({call.success})",
    )
    return last[0]


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.component for fault in FAULTS])
def test_dependency_down_then_back(whole_stack, context, fault):
    stack = whole_stack
    pids_before = process_pids(stack)

    run_down(fault.component)
    stopped_at = time.monotonic()
    seconds = check_round(stack.base_url, context, fault, 1)
    time.sleep(max(0.0, stopped_at + DOWN_ROUND_GAP_S - time.monotonic()))
    seconds += check_round(stack.base_url, context, fault, 2)

    restart_started = time.monotonic()
    stack.run_up()
    up_returned = time.monotonic()
    requests_by_name = calls(context)
    for name in fault.affected:
        wait_for_success(stack.base_url, context, name, requests_by_name[name])
    recovered = time.monotonic()

    pids_after = process_pids(stack)
    for name, pid in pids_before.items():
        if name == fault.component:
            continue
        assert pid is not None, f"{name} was not running before the test"
        assert pids_after[name] == pid, (
            f"{name} restarted (pid {pid} -> {pids_after[name]}) instead of recovering "
            f"from the {fault.component} restart"
        )

    if "POST /like" in fault.affected:
        # The likes rejected meanwhile left nothing behind.
        response, _ = send(stack.base_url, "likes.localhost", "GET", f"/like/{context.post_id}")
        assert response.status_code == 200, response.text[:300]
        assert response.json()["likes"] == 1, response.text[:300]

    print(
        f"{fault.component} down: {len(seconds)} 503s in {min(seconds):.2f}-{max(seconds):.2f} s; "
        f"scripts/up took {up_returned - restart_started:.1f} s; every affected endpoint "
        f"succeeded {recovered - restart_started:.1f} s after the restart began"
    )
