"""Load the sample users, follows, posts, repost, likes and poll through the HTTP API.

Every request goes through HAProxy, which picks the service by Host header.
Running it again changes nothing: a user or follow that exists already (409)
is kept, a user's posts are created only when that user has no post yet, the
repost and each like are made once, and the poll is created only when ada has
no post linking to one yet.

Usage: seed_data.py --base-url http://127.0.0.1:8080
"""

import argparse
import sys

import requests

# Seconds for one HTTP call. Requests that check a password pay for a slow hash.
REQUEST_TIMEOUT = 15

# The documented password of every sample user, not a secret.
SAMPLE_PASSWORD = "password"  # noqa: S105

USERS = [
    ("ada", "Mathematician. Wrote notes on the Analytical Engine, including its first program."),
    ("grace", "Compiler pioneer and rear admiral. Keeps a nanosecond of wire in her pocket."),
    ("linus", "Writes an operating system kernel as a hobby, and a version control system too."),
    ("margaret", "Leads the team writing the flight software of the Apollo guidance computer."),
]

# (follower, followed)
FOLLOWS = [
    ("ada", "grace"),
    ("ada", "linus"),
    ("grace", "ada"),
    ("linus", "margaret"),
    ("margaret", "ada"),
    ("margaret", "grace"),
]

POSTS = {
    "ada": [
        "Finished the notes on the Analytical Engine. Note G computes Bernoulli numbers.",
        "The engine weaves algebraic patterns just as the Jacquard loom weaves flowers and leaves.",
    ],
    "grace": [
        "Found a moth stuck in relay 70 of the Mark II. Taped it into the log book.",
        "It is easier to ask forgiveness than it is to get permission.",
    ],
    "linus": [
        "Doing a free operating system for 386 AT clones. Just a hobby, won't be big.",
        "Talk is cheap. Show me the code.",
    ],
    "margaret": [
        "The priority displays worked: the computer dropped low-priority jobs when overloaded.",
        "Software engineering deserves the same respect as every other engineering discipline.",
    ],
}

# (reposting user, author, text of the author's post)
REPOST = ("ada", "grace", "It is easier to ask forgiveness than it is to get permission.")


# (liking user, author, text of the author's post)
LIKES = [
    ("grace", "ada", POSTS["ada"][0]),
    ("linus", "ada", POSTS["ada"][0]),
    ("margaret", "ada", POSTS["ada"][0]),
    ("ada", "grace", POSTS["grace"][0]),
    ("linus", "grace", POSTS["grace"][0]),
    ("ada", "margaret", POSTS["margaret"][0]),
]

POLL = {
    "question": "Which machine would you rather program?",
    "options": ["Analytical Engine", "Harvard Mark II", "Apollo guidance computer"],
}
POLL_AUTHOR = "ada"


class SeedError(Exception):
    """Failure of a seed step: a request failed or returned an unexpected status."""


class ApiClient:
    """Send requests to the services through HAProxy, choosing each by Host header."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        expected: tuple[int, ...],
        username: str | None = None,
        **kwargs,
    ) -> requests.Response:
        """Send one request and raise SeedError unless its status is expected."""
        auth = (username, SAMPLE_PASSWORD) if username else None
        headers = {"Host": f"{service}.localhost"}
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(
                method, url, headers=headers, auth=auth, timeout=REQUEST_TIMEOUT, **kwargs
            )
        except requests.RequestException as error:
            raise SeedError(f"{method} {path} on {service}.localhost failed: {error}") from error

        if response.status_code not in expected:
            raise SeedError(
                f"{method} {path} on {service}.localhost returned {response.status_code}, "
                f"expected {' or '.join(map(str, expected))}: {error_message(response)}"
            )
        return response


def error_message(response: requests.Response) -> str:
    """Return the message of an API error response, or the start of its body."""
    try:
        return str(response.json()["message"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def create_users(api: ApiClient) -> None:
    for username, bio in USERS:
        body = {
            "username": username,
            "email": f"{username}@example.com",
            "password": SAMPLE_PASSWORD,
            "bio": bio,
        }
        response = api.request("users", "POST", "/user/new", json=body, expected=(201, 409))
        if response.status_code == 201:
            print(f"created user {username}")


def create_follows(api: ApiClient) -> None:
    for follower, followed in FOLLOWS:
        body = {"follower_username": follower, "following_username": followed}
        response = api.request(
            "users", "POST", "/user/follow", json=body, username=follower, expected=(201, 409)
        )
        if response.status_code == 201:
            print(f"{follower} now follows {followed}")


def create_posts(api: ApiClient) -> None:
    for username, texts in POSTS.items():
        response = api.request(
            "timelines", "GET", f"/{username}/posts", params={"limit": 1}, expected=(200,)
        )
        if response.json():
            continue

        for text in texts:
            api.request(
                "timelines",
                "POST",
                "/compose/post",
                json={"text": text},
                username=username,
                expected=(201,),
            )
        print(f"created {len(texts)} posts by {username}")


def create_repost(api: ApiClient) -> None:
    reposter, author, text = REPOST
    response = api.request(
        "timelines", "GET", f"/{author}/posts", params={"limit": 100}, expected=(200,)
    )
    originals = [post for post in response.json() if post["text"] == text and not post["repost"]]
    if not originals:
        raise SeedError(f"post by {author} to repost not found, expected the text {text!r}")

    post_id = originals[0]["id"]
    response = api.request(
        "timelines", "POST", f"/repost/{post_id}", username=reposter, expected=(201, 409)
    )
    if response.status_code == 201:
        print(f"{reposter} reposted post {post_id} by {author}")


def find_post_id(api: ApiClient, author: str, text: str) -> int:
    """Return the id of the author's original post with this text."""
    response = api.request(
        "timelines", "GET", f"/{author}/posts", params={"limit": 100}, expected=(200,)
    )
    for post in response.json():
        if post["text"] == text and not post["repost"]:
            return post["id"]
    raise SeedError(f"post by {author} not found, expected the text {text!r}")


def create_likes(api: ApiClient) -> None:
    for liker, author, text in LIKES:
        post_id = find_post_id(api, author, text)
        response = api.request(
            "likes", "POST", "/like", json={"post_id": post_id}, username=liker, expected=(200, 409)
        )
        if response.status_code == 200:
            print(f"{liker} likes post {post_id} by {author}")


def create_poll(api: ApiClient) -> None:
    """Create the sample poll and a post by its author that links to it."""
    response = api.request(
        "timelines", "GET", f"/{POLL_AUTHOR}/posts", params={"limit": 100}, expected=(200,)
    )
    if any(f"/poll/results/{POLL_AUTHOR}/" in post["text"] for post in response.json()):
        return

    poll = api.request(
        "polls", "POST", "/poll", json=POLL, username=POLL_AUTHOR, expected=(201,)
    ).json()
    api.request(
        "timelines",
        "POST",
        "/compose/post",
        json={"text": f"{POLL['question']} Vote here: {poll['url']}"},
        username=POLL_AUTHOR,
        expected=(201,),
    )
    print(f"created poll {poll['poll_id']} by {POLL_AUTHOR}: {poll['url']}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Load the sample data through HAProxy.")
    parser.add_argument(
        "--base-url", required=True, help="HAProxy's URL, for example http://127.0.0.1:8080"
    )
    arguments = parser.parse_args()

    api = ApiClient(arguments.base_url)
    try:
        create_users(api)
        create_follows(api)
        create_posts(api)
        create_repost(api)
        create_likes(api)
        create_poll(api)
    except SeedError as error:
        print(f"seed failed: {error}", file=sys.stderr)
        return 1
    print(
        "sample data is in place: users ada, grace, linus and margaret, password 'password', "
        "with posts, likes and a poll"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
