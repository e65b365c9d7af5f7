"""Under a bounded load, restarting Postgres, Redis and beanstalkd loses no accepted write.

Four threads send synchronous posts, async posts (each with an
Idempotency-Key), likes and votes, each with a unique marker, while the
main thread restarts Postgres, Redis and beanstalkd once each. Every request
that succeeded must have its effect stored exactly once at the end, and every
other one must have returned a JSON error. The DynamoDB emulator is not
restarted, because it keeps its tables in memory and a restart loses every
poll.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from e2e.faults.conftest import restore, run_down, send
from e2e.scaling.stack import wait_until
from e2e.support import DEFAULT_PASSWORD, User, unique_username

THREADS = 4
REQUESTS_PER_THREAD = 500
# Seconds over which each thread spreads its requests, and the bound on the
# whole load: a thread stops at this deadline even if requests are left.
LOAD_DURATION_S = 70
# Seconds of load before the first restart and between restarts.
LOAD_BEFORE_RESTART_S = 5
# Seconds a component stays down, so that some requests meet the outage.
DOWN_S = 2
RESTARTED = ("postgres", "redis", "beanstalkd")
KINDS = ("post", "async post", "like", "vote")
# Posts to like and polls to vote on. Each thread likes and votes on each at
# most once, so no request of the load is a duplicate of another.
TARGETS = REQUESTS_PER_THREAD // len(KINDS) + 5
# Seconds for the workers to store every accepted async post. A job that
# failed while Postgres was down is retried after 2, 4, 8 and 16 s.
SETTLE_TIMEOUT_S = 60
MAX_PAGES = 40
SUCCESS = {"post": 201, "async post": 202, "like": 200, "vote": 200}


@dataclass
class Outcome:
    """One request of the load and how it ended."""

    kind: str
    username: str
    # The post text, or the liked post's or voted poll's id.
    target: str | int
    status: int | None = None
    # Why the request counts as unclear: an exception, a non-JSON body, a 500.
    problem: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCESS[self.kind]


def create_user(base_url: str, prefix: str) -> User:
    username = unique_username(prefix)
    email = f"{username.lower()}@example.test"
    body = {"username": username, "email": email, "password": DEFAULT_PASSWORD}
    response, _ = send(base_url, "users.localhost", "POST", "/user/new", json=body)
    assert response.status_code == 201, response.text[:500]
    return User(response.json()["id"], username, email, DEFAULT_PASSWORD)


def create_target(base_url: str, author: User, kind: str, number: int) -> int:
    """Create the post or poll number `number` of the author, and return its id."""
    if kind == "post":
        body = {"text": f"like target {number}"}
        response, _ = send(
            base_url, "timelines.localhost", "POST", "/compose/post", user=author, json=body
        )
        assert response.status_code == 201, response.text[:500]
        return response.json()["id"]

    body = {"question": f"Vote target {number}?", "options": ["yes", "no"]}
    response, _ = send(base_url, "polls.localhost", "POST", "/poll", user=author, json=body)
    assert response.status_code == 201, response.text[:500]
    return response.json()["poll_id"]


class Load:
    """Send each thread's mix of writes, paced over LOAD_DURATION_S, and record every outcome."""

    def __init__(self, base_url: str, author: User, users: list[User], posts, polls):
        self.base_url = base_url
        self.author = author
        self.users = users
        self.posts = posts
        self.polls = polls
        self.run_id = unique_username("run")
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(index,), name=f"no-loss-{index}", daemon=True)
            for index in range(len(users))
        ]
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=LOAD_DURATION_S + 30)
        assert not any(thread.is_alive() for thread in self._threads), "a load thread hung"

    def _run(self, index: int) -> None:
        user = self.users[index]
        interval_s = LOAD_DURATION_S / REQUESTS_PER_THREAD
        deadline = self._started + LOAD_DURATION_S
        for number in range(REQUESTS_PER_THREAD):
            pause = self._started + number * interval_s - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if time.monotonic() >= deadline:
                return

            kind = KINDS[number % len(KINDS)]
            round_number = number // len(KINDS)
            outcome = self._send(user, kind, index, number, round_number)
            with self._lock:
                self.outcomes.append(outcome)

    def _send(self, user: User, kind: str, index: int, number: int, round_number: int) -> Outcome:
        headers = {}
        if kind in ("post", "async post"):
            text = f"no-loss {self.run_id} {kind} {index}-{number}"
            outcome = Outcome(kind, user.username, text)
            host = "timelines.localhost"
            method = "POST"
            path = "/compose/post" if kind == "post" else "/compose/async/post"
            body = {"text": text}
            if kind == "async post":
                headers["Idempotency-Key"] = f"{self.run_id}-{index}-{number}"
        elif kind == "like":
            post_id = self.posts[round_number]
            outcome = Outcome(kind, user.username, post_id)
            host, method, path = "likes.localhost", "POST", "/like"
            body = {"post_id": post_id}
        else:
            poll_id = self.polls[round_number]
            outcome = Outcome(kind, user.username, poll_id)
            host, method, path = "polls.localhost", "PUT", "/poll/vote"
            body = {"poll_id": poll_id, "owner_username": self.author.username, "vote": 1}

        try:
            response, _ = send(
                self.base_url, host, method, path, user=user, json=body, headers=headers
            )
        except requests.RequestException as error:
            outcome.problem = f"{type(error).__name__}: {error}"
            return outcome

        outcome.status = response.status_code
        if outcome.succeeded:
            return outcome
        outcome.problem = unclear_error(response)
        return outcome


def unclear_error(response: requests.Response) -> str | None:
    """Return why an error response is not a clear JSON error, or None when it is one."""
    description = f"{response.status_code} {response.text[:200]!r}"
    if response.status_code < 400 or (response.status_code >= 500 and response.status_code != 503):
        return f"unexpected status {description}"
    try:
        body = response.json()
    except ValueError:
        return f"not JSON: {description}"
    if not isinstance(body, dict) or not str(body.get("message", "")).strip():
        return f"no error message: {description}"
    if not str(body.get("status", "")).startswith(str(response.status_code)):
        return f"status field does not match: {description}"
    return None


def collect(base_url: str, host: str, path: str, key: str | None = None) -> list:
    """Return every item of a paginated list, following its Link rel="next" headers."""
    items = []
    for _ in range(MAX_PAGES):
        response, _ = send(base_url, host, "GET", path)
        assert response.status_code == 200, f"GET {path}: {response.text[:300]}"
        body = response.json()
        items.extend(body[key] if key else body)
        if "next" not in response.links:
            return items
        parts = urlsplit(response.links["next"]["url"])
        path = parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"GET {path}: more than {MAX_PAGES} pages")


def post_texts(base_url: str, users: list[User]) -> Counter:
    """Return how many times each text occurs among the users' posts."""
    texts = Counter()
    for user in users:
        posts = collect(base_url, "timelines.localhost", f"/{user.username}/posts?limit=100")
        texts.update(post["text"] for post in posts)
    return texts


def test_no_loss_under_restarts(whole_stack):
    stack = whole_stack
    base_url = stack.base_url
    author = create_user(base_url, "noloss_author")
    with ThreadPoolExecutor(max_workers=4) as executor:
        users = list(executor.map(lambda i: create_user(base_url, f"noloss_{i}"), range(THREADS)))
        posts = list(
            executor.map(lambda n: create_target(base_url, author, "post", n), range(TARGETS))
        )
        polls = list(
            executor.map(lambda n: create_target(base_url, author, "poll", n), range(TARGETS))
        )

    load = Load(base_url, author, users, posts, polls)
    load.start()
    restart_seconds = {}
    try:
        time.sleep(LOAD_BEFORE_RESTART_S)
        for component in RESTARTED:
            started = time.monotonic()
            run_down(component)
            time.sleep(DOWN_S)
            stack.run_up()
            restore(stack)
            restart_seconds[component] = time.monotonic() - started
            time.sleep(LOAD_BEFORE_RESTART_S)
    finally:
        load.join()
    outcomes = load.outcomes

    by_kind = Counter((outcome.kind, outcome.status) for outcome in outcomes)
    print(f"restart seconds (down to healthy): {restart_seconds}")
    print(f"{len(outcomes)} requests by kind and status: {dict(sorted(by_kind.items(), key=str))}")
    unclear = [outcome for outcome in outcomes if outcome.problem is not None]
    assert not unclear, f"{len(unclear)} requests without a clear answer, first: {unclear[:10]}"
    assert len(outcomes) >= REQUESTS_PER_THREAD * THREADS * 0.9, (
        f"only {len(outcomes)} requests were sent within {LOAD_DURATION_S} s"
    )

    # Posts: every accepted text exactly once, and no text twice.
    accepted = {
        outcome.target for outcome in outcomes if outcome.kind == "async post" and outcome.succeeded
    }

    def async_posts_stored() -> Counter | None:
        texts = post_texts(base_url, users)
        return texts if all(texts[text] >= 1 for text in accepted) else None

    settle_started = time.monotonic()
    wait_until(
        async_posts_stored,
        timeout_s=SETTLE_TIMEOUT_S,
        interval_s=2,
        description=f"the workers to store the {len(accepted)} accepted async posts",
    )
    settle_s = time.monotonic() - settle_started
    texts = post_texts(base_url, users)
    load_texts = [outcome for outcome in outcomes if outcome.kind in ("post", "async post")]
    missing = [o for o in load_texts if o.succeeded and texts[o.target] != 1]
    assert not missing, f"{len(missing)} accepted posts not stored exactly once: {missing[:10]}"
    repeated = [text for text, count in texts.items() if count > 1 and load.run_id in text]
    assert not repeated, f"posts stored more than once: {repeated[:10]}"

    # Likes: every accepted like is in the liker's list and in the post's count.
    liked = {}
    for user in users:
        body_posts = collect(
            base_url, "likes.localhost", f"/like/posts/{user.username}?limit=100", key="posts"
        )
        liked[user.username] = Counter(body_posts)
    like_outcomes = [outcome for outcome in outcomes if outcome.kind == "like"]
    lost_likes = [o for o in like_outcomes if o.succeeded and liked[o.username][o.target] != 1]
    assert not lost_likes, f"{len(lost_likes)} accepted likes not stored once: {lost_likes[:10]}"
    counts = {}
    for post_id in posts:
        response, _ = send(base_url, "likes.localhost", "GET", f"/like/{post_id}")
        assert response.status_code == 200, response.text[:300]
        counts[post_id] = response.json()["likes"]
    stored_likes = Counter(o.target for o in like_outcomes if liked[o.username][o.target])
    assert counts == {post_id: stored_likes[post_id] for post_id in posts}

    # Votes: every accepted vote counted, and no poll has more votes than requests.
    vote_outcomes = [outcome for outcome in outcomes if outcome.kind == "vote"]
    accepted_votes = Counter(o.target for o in vote_outcomes if o.succeeded)
    totals = {}
    for poll_id in polls:
        response, _ = send(
            base_url, "polls.localhost", "GET", f"/poll/results/{author.username}/{poll_id}"
        )
        assert response.status_code == 200, response.text[:300]
        totals[poll_id] = response.json()["total_votes"]
    short = {
        poll_id: (totals[poll_id], count)
        for poll_id, count in accepted_votes.items()
        if totals[poll_id] < count
    }
    assert not short, f"polls with fewer votes than accepted (stored, accepted): {short}"
    sent_votes = Counter(o.target for o in vote_outcomes)
    extra = {
        poll_id: (totals[poll_id], sent_votes[poll_id])
        for poll_id in polls
        if totals[poll_id] > sent_votes[poll_id]
    }
    assert not extra, f"polls with more votes than requests (stored, sent): {extra}"

    # Rejected requests whose effect was stored anyway: allowed, reported.
    stored_after_error = {
        "post": sum(1 for o in load_texts if not o.succeeded and texts[o.target]),
        "like": sum(1 for o in like_outcomes if not o.succeeded and liked[o.username][o.target]),
        "vote": sum(totals.values()) - sum(accepted_votes.values()),
    }
    print(
        f"after {settle_s:.1f} s of settling: every accepted write stored once; "
        f"rejected writes stored anyway: {stored_after_error}"
    )
