"""What each tube's worker does with one job. Every handler is idempotent,
because beanstalkd may deliver a job more than once."""

import logging
import re
from dataclasses import dataclass

from services.common.jobs import EMAIL_TUBE, POLL_TUBE, JobProducer

from . import fields, mail
from .errors import MalformedJob
from .polls import find_poll_links
from .runner import Job
from .services import ServiceApi
from .settings import WorkerSettings

log = logging.getLogger(__name__)

EMAIL_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,100}")
EMAIL_KINDS = ("like", "poll")
# A post of 280 characters holds at most a handful of poll URLs.
MAX_POLL_URLS = 10


@dataclass
class Dependencies:
    """The services and the producer connection that the handlers use."""

    settings: WorkerSettings
    jobs: JobProducer
    users: ServiceApi
    timelines: ServiceApi
    likes: ServiceApi
    polls: ServiceApi

    @classmethod
    def create(cls, settings: WorkerSettings) -> "Dependencies":
        """Build the clients from settings; the producer opens its connection on first use."""

        def api(service: str, url: str) -> ServiceApi:
            return ServiceApi(service, url, settings.service_token, settings.service_timeout_s)

        return cls(
            settings=settings,
            jobs=JobProducer(settings.queue),
            users=api("users", settings.users_url),
            timelines=api("timelines", settings.timelines_url),
            likes=api("likes", settings.likes_url),
            polls=api("polls", settings.polls_url),
        )

    def close(self) -> None:
        """Close the producer connection and the HTTP sessions."""
        self.jobs.close()
        for api in (self.users, self.timelines, self.likes, self.polls):
            api.close()


def handle_timeline(deps: Dependencies, job: Job) -> None:
    """Insert the post of an async job once, then put a poll job when it links to polls."""
    job_id = fields.job_uuid(job.body)
    username = fields.username(job.body)
    text = fields.text(job.body)

    body = {"job_id": job_id, "username": username, "text": text}
    response = deps.timelines.request("POST", "/internal/posts", json=body)
    if response.status_code == 410:
        log.info("timeline job %s: its post was inserted and deleted since; nothing to do", job.id)
        return
    deps.timelines.expect(response, 200, 201)
    post = response.json()

    # Put again on every delivery, because an earlier one may have inserted
    # the post and failed before this put. A repeated poll job is harmless.
    if find_poll_links(post["text"]):
        deps.jobs.put(
            POLL_TUBE, {"post_id": post["id"], "username": post["username"], "text": post["text"]}
        )
    log.info("timeline job %s: post %s by %s stored", job.id, post["id"], post["username"])


def handle_like(deps: Dependencies, job: Job) -> None:
    """Keep a like whose post exists; otherwise remove it and put an email job."""
    username = fields.username(job.body)
    post_id = fields.identifier(job.body, "post_id")

    response = deps.timelines.request("GET", f"/posts/{post_id}")
    if response.status_code == 200:
        log.info("like job %s: post %s exists, like of %s kept", job.id, post_id, username)
        return
    deps.timelines.expect(response, 404)

    body = {"username": username, "post_id": post_id}
    removed = deps.likes.request("DELETE", "/internal/likes", json=body)
    deps.likes.expect(removed, 200, 404)
    if removed.status_code == 404 and job.reserves == 1:
        log.info("like job %s: %s no longer likes missing post %s", job.id, username, post_id)
        return

    # A 404 on a later delivery may be this job's own earlier removal, whose
    # email job was never put, so the email goes out then too.
    deps.jobs.put(
        EMAIL_TUBE,
        {
            "kind": "like",
            "username": username,
            "post_id": post_id,
            "email_id": f"like.{post_id}.{username.lower()}",
        },
    )
    log.info("like job %s: removed like of missing post %s by %s", job.id, post_id, username)


def handle_poll(deps: Dependencies, job: Job) -> None:
    """Delete a post that links to a poll that does not exist, and put an email job."""
    post_id = fields.identifier(job.body, "post_id")
    username = fields.username(job.body)
    text = fields.text(job.body)

    links = find_poll_links(text)[:MAX_POLL_URLS]
    missing = []
    for link in links:
        response = deps.polls.request("GET", f"/poll/results/{link.username}/{link.poll_id}")
        deps.polls.expect(response, 200, 404)
        if response.status_code == 404:
            missing.append(link.url)
    if not missing:
        log.info("poll job %s: every poll of post %s exists", job.id, post_id)
        return

    deleted = deps.timelines.request("DELETE", f"/internal/posts/{post_id}")
    deps.timelines.expect(deleted, 200, 404)
    if deleted.status_code == 404 and job.reserves == 1:
        log.info("poll job %s: post %s is already gone", job.id, post_id)
        return

    # As with likes, a 404 on a later delivery may be this job's own delete.
    deps.jobs.put(
        EMAIL_TUBE,
        {
            "kind": "poll",
            "username": username,
            "post_id": post_id,
            "poll_urls": missing,
            "email_id": f"poll.{post_id}",
        },
    )
    log.info("poll job %s: deleted post %s, missing polls %s", job.id, post_id, missing)


def handle_email(deps: Dependencies, job: Job) -> None:
    """Send the email that a like or poll job asked for, to the user's current address."""
    kind = job.body.get("kind")
    if kind not in EMAIL_KINDS:
        raise MalformedJob(f"field kind must be one of {', '.join(EMAIL_KINDS)}")
    username = fields.username(job.body)
    post_id = fields.identifier(job.body, "post_id")
    email_id = job.body.get("email_id")
    if not isinstance(email_id, str) or not EMAIL_ID_PATTERN.fullmatch(email_id):
        raise MalformedJob("field email_id is missing or not 1 to 100 of A-Z a-z 0-9 . _ -")

    if kind == "like":
        subject, text = mail.render_like_removed(username, post_id)
    else:
        poll_urls = job.body.get("poll_urls")
        if not isinstance(poll_urls, list) or not poll_urls or len(poll_urls) > MAX_POLL_URLS:
            raise MalformedJob(f"field poll_urls must list 1 to {MAX_POLL_URLS} URLs")
        if any(not isinstance(url, str) or string_is_unsafe(url) for url in poll_urls):
            raise MalformedJob("field poll_urls must contain one-line strings")
        subject, text = mail.render_post_deleted(username, post_id, poll_urls)

    response = deps.users.request("GET", f"/internal/users/{username}")
    if response.status_code == 404:
        log.info("email job %s: user %s no longer exists, nothing sent", job.id, username)
        return
    deps.users.expect(response, 200)
    address = response.json()["email"]

    # Everything else is ready, so a failure after this point can only be SMTP's.
    message = mail.build_message(deps.settings, address, email_id, subject, text)
    mail.send(deps.settings, message)
    log.info("email job %s: sent %s email about post %s to %s", job.id, kind, post_id, username)


# Post ids per request to the likes service, which accepts up to 1,000.
LIKES_BATCH_SIZE = 500


def handle_account(deps: Dependencies, job: Job) -> None:
    """Remove everything of a deleted account from the timelines, likes and polls services.

    Every step deletes what is still there, so a repeated or retried job
    repeats no effect. The likes of the user's posts, and of every repost of
    them, go before the posts do, because after the posts are gone nothing
    lists their ids.

    NOTE: the job names the user by username only. If the name is registered
    again before the job runs, the new account loses what it created meanwhile,
    and an async post of the old account still queued on tube timeline is
    published after the job.
    """
    username = fields.username(job.body)

    listed = deps.timelines.request("GET", f"/internal/users/{username}/posts")
    deps.timelines.expect(listed, 200)
    post_ids = listed.json()["post_ids"]
    for start in range(0, len(post_ids), LIKES_BATCH_SIZE):
        batch = post_ids[start : start + LIKES_BATCH_SIZE]
        response = deps.likes.request("DELETE", "/internal/posts/likes", json={"post_ids": batch})
        deps.likes.expect(response, 200)

    steps = (
        (deps.likes, f"/internal/users/{username}/likes"),
        (deps.timelines, f"/internal/users/{username}/posts"),
        (deps.polls, f"/internal/users/{username}/polls"),
        (deps.polls, f"/internal/users/{username}/votes"),
    )
    for api, path in steps:
        api.expect(api.request("DELETE", path), 200)

    log.info(
        "account job %s: removed posts, likes, polls and votes of deleted user %s",
        job.id,
        username,
    )


def string_is_unsafe(value: str) -> bool:
    """Return True for text that must not go into an email: control characters or over 300."""
    return len(value) > 300 or any(ord(character) < 32 for character in value)


HANDLERS = {
    "timeline": handle_timeline,
    "like": handle_like,
    "poll": handle_poll,
    "email": handle_email,
    "account": handle_account,
}
