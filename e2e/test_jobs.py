"""Work done by the queue workers, seen from outside: async posts, like and poll-link checks.

Each test waits for the result of a job with a bounded poll. Emails are identified by
recipient, because every user created here has an address of its own, and by the post
or poll they name, so the mailbox is never cleared under other tests.
"""

import http.client
import json
import re
import secrets
import time
import uuid
from urllib.parse import urlsplit

import pytest

from e2e.mailbox import Mail
from e2e.support import (
    REQUEST_TIMEOUT,
    ServiceClient,
    assert_error,
    assert_post_shape,
    run_concurrently,
)

# Seconds to wait for a job's effect, and between two polls. The margin covers two
# worker retries, which wait 2 s and then 4 s.
WAIT_S = 20.0
POLL_INTERVAL_S = 0.2

ACCEPTED_FIELDS = {"message", "job_id"}
MAX_TEXT_LENGTH = 280
# The emails name the post as "post <id>" in their subject.
SUBJECT_POST_ID = re.compile(r"\bpost (\d+)\b")
HAPROXY_DENIED_MESSAGE = "HAProxy denied the request"


def wait_until(probe, description: str, timeout_s: float = WAIT_S):
    """Call probe() until it returns a truthy value and return it, or fail after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout_s:g} s waiting for {description}")
        time.sleep(POLL_INTERVAL_S)


def unique_text(label: str) -> str:
    return f"{label} {secrets.token_hex(6)}"


def author_posts(timelines, user) -> list[dict]:
    """Return the newest 100 posts of a user's own timeline."""
    response = timelines.get(f"/{user.username}/posts", params={"limit": 100})
    assert response.status_code == 200, response.text[:500]
    return response.json()


def posts_with_text(timelines, user, text: str) -> list[dict]:
    return [post for post in author_posts(timelines, user) if post["text"] == text]


def compose_async(timelines, user, text: str, key: str | None = None):
    headers = {"Idempotency-Key": key} if key is not None else None
    return timelines.post("/compose/async/post", auth=user, json={"text": text}, headers=headers)


def accepted_job_id(response) -> str:
    """Check the 202 response to an async post and return its job id."""
    assert response.status_code == 202, response.text[:500]
    body = response.json()
    assert set(body) == ACCEPTED_FIELDS, body
    assert isinstance(body["message"], str), body
    assert body["message"].strip(), body
    assert str(uuid.UUID(body["job_id"])) == body["job_id"], body
    return body["job_id"]


def wait_for_post(timelines, user, text: str) -> dict:
    """Wait until a post with this text is in the user's timeline and return it."""
    found = wait_until(
        lambda: posts_with_text(timelines, user, text),
        f"the post {text!r} in the timeline of {user.username}",
    )
    return found[0]


def publish_marker(timelines, user) -> dict:
    """Publish an async post and wait for it, so the jobs put before it are taken.

    The timeline tube hands out jobs in the order they were put.
    """
    # NOTE: with several timeline workers (scripts/up --workers), an earlier job
    # may still be running when the marker appears, so a late duplicate could
    # go unseen. One worker per tube, the default, finishes jobs in order.
    text = unique_text("marker")
    accepted_job_id(compose_async(timelines, user, text))
    return wait_for_post(timelines, user, text)


def mails_naming(mailbox, address: str, fragment: str) -> list[Mail]:
    """Return the messages to address whose subject or body contains fragment."""
    return [
        mail
        for mail in mailbox.messages_to(address)
        if fragment in mail.subject or fragment in mail.body
    ]


def subject_post_ids(mails: list[Mail]) -> set[int]:
    ids = set()
    for mail in mails:
        match = SUBJECT_POST_ID.search(mail.subject)
        if match:
            ids.add(int(match.group(1)))
    return ids


@pytest.fixture
def author(make_user, reuse):
    return reuse("author", lambda: make_user("author"))


@pytest.fixture
def other_author(make_user, reuse):
    return reuse("other_author", lambda: make_user("other"))


@pytest.fixture(scope="session")
def http_port(base_url) -> int:
    """Return HAProxy's port, which poll URLs in post text may carry."""
    parts = urlsplit(base_url)
    return parts.port or 80


# POST /compose/async/post


def test_async_post_published_once(timelines, author):
    text = unique_text("async")

    accepted_job_id(compose_async(timelines, author, text))
    post = wait_for_post(timelines, author, text)
    publish_marker(timelines, author)

    assert_post_shape(post)
    assert post["username"] == author.username
    assert post["repost"] is False
    assert len(posts_with_text(timelines, author, text)) == 1
    response = timelines.get(f"/posts/{post['id']}")
    assert response.status_code == 200, response.text[:500]
    assert response.json() == post


def test_async_post_keeps_text_bytes(timelines, author):
    # 280 code points, none of them ASCII, with a newline inside.
    text = "é" * 100 + "\n" + "😀" * 170 + "ü" * 9

    accepted_job_id(compose_async(timelines, author, text))
    post = wait_for_post(timelines, author, text)

    assert len(post["text"]) == MAX_TEXT_LENGTH
    assert post["text"] == text


def test_async_post_same_key_sequential(timelines, author):
    text = unique_text("same key")
    key = str(uuid.uuid4())

    job_ids = [accepted_job_id(compose_async(timelines, author, text, key)) for _ in range(3)]
    wait_for_post(timelines, author, text)
    publish_marker(timelines, author)

    assert len(set(job_ids)) == 1, job_ids
    assert len(posts_with_text(timelines, author, text)) == 1


def test_async_post_same_key_concurrent(timelines, author):
    text = unique_text("concurrent key")
    key = str(uuid.uuid4())

    responses = run_concurrently(lambda: compose_async(timelines, author, text, key), copies=5)
    wait_for_post(timelines, author, text)
    publish_marker(timelines, author)

    statuses = [response.status_code for response in responses]
    # The contract allows a 409 for a concurrent copy, never a 500.
    assert set(statuses) <= {202, 409}, [response.text[:200] for response in responses]
    job_ids = {accepted_job_id(response) for response in responses if response.status_code == 202}
    assert len(job_ids) == 1, job_ids
    assert len(posts_with_text(timelines, author, text)) == 1


def test_async_post_same_key_after_publishing(timelines, author):
    text = unique_text("late repeat")
    key = str(uuid.uuid4())

    first_job_id = accepted_job_id(compose_async(timelines, author, text, key))
    wait_for_post(timelines, author, text)
    repeat_job_id = accepted_job_id(compose_async(timelines, author, text, key))
    publish_marker(timelines, author)

    assert repeat_job_id == first_job_id
    assert len(posts_with_text(timelines, author, text)) == 1


def test_async_post_different_keys(timelines, author):
    text = unique_text("two keys")

    first = accepted_job_id(compose_async(timelines, author, text, str(uuid.uuid4())))
    second = accepted_job_id(compose_async(timelines, author, text, str(uuid.uuid4())))
    wait_until(
        lambda: len(posts_with_text(timelines, author, text)) == 2,
        f"two posts {text!r} by {author.username}",
    )

    assert first != second
    posts = posts_with_text(timelines, author, text)
    assert len({post["id"] for post in posts}) == 2


def test_async_post_key_scoped_to_user(timelines, author, other_author):
    text = unique_text("shared key")
    key = str(uuid.uuid4())

    first = accepted_job_id(compose_async(timelines, author, text, key))
    second = accepted_job_id(compose_async(timelines, other_author, text, key))

    assert first != second
    assert wait_for_post(timelines, author, text)["username"] == author.username
    assert wait_for_post(timelines, other_author, text)["username"] == other_author.username


# (case id, JSON body, Idempotency-Key header or None); each one must get a 400.
INVALID_ASYNC_REQUESTS = [
    ("text-281-chars", {"text": "x" * (MAX_TEXT_LENGTH + 1)}, None),
    ("text-281-code-points", {"text": "é" * (MAX_TEXT_LENGTH + 1)}, None),
    ("text-empty", {"text": ""}, None),
    ("text-blank", {"text": " \n\t "}, None),
    ("text-nul", {"text": "before\x00after"}, None),
    ("text-not-string", {"text": 123}, None),
    ("text-missing", {}, None),
    ("key-with-space", {"text": "valid text"}, "has a space"),
    ("key-too-long", {"text": "valid text"}, "k" * 256),
    ("key-empty", {"text": "valid text"}, ""),
]


def test_async_post_invalid_publishes_nothing(timelines, make_user):
    quiet_author = make_user("quiet")

    for case, body, key in INVALID_ASYNC_REQUESTS:
        headers = {"Idempotency-Key": key} if key is not None else None
        response = timelines.post(
            "/compose/async/post", auth=quiet_author, json=body, headers=headers
        )
        assert response.status_code == 400, f"{case}: {response.status_code} {response.text[:300]}"
        assert_error(response, 400)

    response = timelines.post(
        "/compose/async/post",
        auth=(quiet_author.username, "wrong password"),
        json={"text": "valid text"},
    )
    assert_error(response, 401)

    marker = publish_marker(timelines, quiet_author)
    assert [post["id"] for post in author_posts(timelines, quiet_author)] == [marker["id"]]


def test_async_post_without_credentials(timelines):
    response = timelines.post("/compose/async/post", json={"text": "anonymous"})

    assert_error(response, 401)
    assert response.headers.get("WWW-Authenticate", "").startswith("Basic")


# Like validation: the like worker removes a like of a missing post and emails the user.


def test_like_of_missing_post_removed(likes, make_user, mailbox):
    liker = make_user("liker")
    # Far above any id the stack hands out, and different in every run.
    post_id = 2**62 + secrets.randbelow(2**62)

    response = likes.post("/like", auth=liker, json={"post_id": post_id})

    assert response.status_code == 200, response.text[:500]
    assert response.json()["post_id"] == post_id
    assert response.json()["likes"] == 1

    def like_removed() -> bool:
        listed = likes.get(f"/like/posts/{liker.username}", params={"limit": 100})
        assert listed.status_code == 200, listed.text[:500]
        return post_id not in listed.json()["posts"]

    wait_until(like_removed, f"the like of missing post {post_id} by {liker.username} to go")

    popular = likes.get("/like/popular", params={"limit": 50})
    assert popular.status_code == 200, popular.text[:500]
    assert post_id not in [entry["post_id"] for entry in popular.json()]

    mails = wait_until(
        lambda: mails_naming(mailbox, liker.email, str(post_id)),
        f"an email to {liker.email} about post {post_id}",
    )
    mail = mails[0]
    assert str(post_id) in mail.subject, mail.subject
    assert str(post_id) in mail.body, mail.body
    assert "like" in mail.body.lower(), mail.body
    assert "not exist" in mail.body, mail.body


# Poll-link validation: the poll worker deletes a post that links to a missing poll.


@pytest.mark.parametrize("with_port", [True, False], ids=["with-port", "without-port"])
def test_post_linking_missing_poll_deleted(timelines, polls, author, mailbox, http_port, with_port):
    poll_id = 10**15 + secrets.randbelow(10**15)
    missing = polls.get(f"/poll/results/{author.username}/{poll_id}")
    assert missing.status_code == 404, missing.text[:500]
    host = f"polls.localhost:{http_port}" if with_port else "polls.localhost"
    poll_url = f"http://{host}/poll/results/{author.username}/{poll_id}"
    text = unique_text("vote at") + f" {poll_url} today"

    accepted_job_id(compose_async(timelines, author, text))

    # The worker may delete the post before a poll of the timeline finds it, so
    # the post id comes from the email, and is checked against the timeline's.
    seen_ids = set()

    def deletion_mails():
        seen_ids.update(post["id"] for post in posts_with_text(timelines, author, text))
        return mails_naming(mailbox, author.email, poll_url)

    mails = wait_until(deletion_mails, f"an email to {author.email} naming {poll_url}")
    post_ids = subject_post_ids(mails)
    assert len(post_ids) == 1, [mail.subject for mail in mails]
    post_id = post_ids.pop()
    assert seen_ids <= {post_id}, (seen_ids, post_id)

    mail = mails[0]
    assert str(post_id) in mail.body, mail.body
    assert poll_url in mail.body, mail.body
    assert "not exist" in mail.body, mail.body

    response = timelines.get(f"/posts/{post_id}")
    assert_error(response, 404)
    assert posts_with_text(timelines, author, text) == []


def test_post_linking_existing_poll_kept(timelines, polls, author, mailbox, make_poll, http_port):
    poll = make_poll(author, "Tea or coffee?", ("tea", "coffee"))
    path = f"/poll/results/{author.username}/{poll['poll_id']}"
    text = (
        unique_text("vote")
        + f" http://polls.localhost:{http_port}{path} or http://polls.localhost{path}"
    )

    accepted_job_id(compose_async(timelines, author, text))
    post = wait_for_post(timelines, author, text)

    # A later post links to a missing poll. Once its email arrives, the poll job
    # of the first post, put earlier on the same tube, has been handled.
    missing_url = f"http://polls.localhost/poll/results/{author.username}/{10**17 + post['id']}"
    accepted_job_id(compose_async(timelines, author, unique_text("control") + f" {missing_url}"))
    wait_until(
        lambda: mails_naming(mailbox, author.email, missing_url),
        f"the email to {author.email} about control poll {missing_url}",
    )

    response = timelines.get(f"/posts/{post['id']}")
    assert response.status_code == 200, response.text[:500]
    assert response.json()["text"] == text
    assert polls.get(path).status_code == 200
    mails = mailbox.messages_to(author.email)
    assert post["id"] not in subject_post_ids(mails), [mail.subject for mail in mails]


# /internal/ paths serve only the workers, which call the services directly.

INTERNAL_PATHS = [
    ("POST", "/internal/posts"),
    ("DELETE", "/internal/posts/1"),
    ("DELETE", "/internal/likes"),
    ("GET", "/internal/users/ada"),
    ("GET", "/internal/"),
]
HOSTS = [
    "users.localhost",
    "timelines.localhost",
    "likes.localhost",
    "polls.localhost",
    "Timelines.LOCALHOST:8080",
    "unknown.localhost",
]


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize(("method", "path"), INTERNAL_PATHS)
def test_internal_path_denied(base_url, host, method, path):
    client = ServiceClient(base_url, host)

    response = client.request(method, path, json={})

    body = assert_error(response, 403)
    assert body["message"] == HAPROXY_DENIED_MESSAGE, body


JSON_HEADERS = {"Content-Type": "application/json"}


def send_raw_path(base_url: str, host: str, method: str, path: str):
    """Send a request whose path goes out exactly as written, and return (status, body).

    requests would decode %69 into "i" and so hide the spelling under test.
    """
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, path, body=b"{}", headers={"Host": host, **JSON_HEADERS})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# Spellings that a Flask service routes to /internal/posts.
DISGUISED_INTERNAL_PATHS = [
    "/%69nternal/posts",
    "//internal/posts",
    "/internal%2Fposts",
    "/%2Finternal/posts",
]


@pytest.mark.parametrize("path", DISGUISED_INTERNAL_PATHS)
def test_internal_path_spelling_denied(base_url, path):
    status, raw_body = send_raw_path(base_url, "timelines.localhost", "POST", path)

    assert status == 403, raw_body[:300]
    assert json.loads(raw_body)["message"] == HAPROXY_DENIED_MESSAGE, raw_body[:300]
