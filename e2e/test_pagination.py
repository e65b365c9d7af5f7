"""Paging with ?limit= and ?before= and the Link rel="next" header, on both services."""

import pytest

from e2e.support import LINK_NEXT_PATTERN, assert_error, collect_pages, run_concurrently

# (service fixture, path template, whether the list needs the owner's credentials)
LIST_ENDPOINTS = [
    ("timelines", "/posts/all", False),
    ("timelines", "/{username}/posts", False),
    ("timelines", "/{username}/home", True),
    ("users", "/user/{username}/followers", False),
    ("users", "/user/{username}/following", False),
]
LIST_ENDPOINT_IDS = ["all-posts", "user-posts", "home", "followers", "following"]


@pytest.fixture(params=LIST_ENDPOINTS, ids=LIST_ENDPOINT_IDS)
def list_request(request, make_user, reuse):
    """Return a function that GETs one list endpoint with the given query parameters."""
    service, template, needs_auth = request.param
    client = request.getfixturevalue(service)
    owner = reuse("lister", lambda: make_user("lister"))
    path = template.format(username=owner.username)
    auth = owner if needs_auth else None

    return lambda params: client.get(path, params=params, auth=auth)


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5"])
def test_list_rejects_bad_limit(list_request, limit):
    response = list_request({"limit": limit})

    assert_error(response, 400)


@pytest.mark.parametrize(
    "before",
    ["garbage", "~~~", "eyJ4IjoxfQ", "9" * 40],
    ids=["word", "symbols", "base64-json", "long-number"],
)
def test_list_rejects_garbage_before(list_request, before):
    response = list_request({"before": before})

    assert_error(response, 400)


@pytest.mark.parametrize("limit", ["1", "100"])
def test_list_accepts_limit_bounds(list_request, limit):
    response = list_request({"limit": limit})

    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list)


def test_user_posts_paged_in_order(timelines, make_user, make_post):
    alice = make_user("alice")
    posts = [make_post(alice, f"number {index}") for index in range(7)]

    items, responses = collect_pages(timelines, f"/{alice.username}/posts", limit=3)

    assert [post["id"] for post in items] == [post["id"] for post in reversed(posts)]
    assert [len(response.json()) for response in responses] == [3, 3, 1]
    for response in responses[:-1]:
        assert LINK_NEXT_PATTERN.match(response.headers["Link"]), response.headers["Link"]
    assert "Link" not in responses[-1].headers


def test_user_posts_paged_while_posting(timelines, make_user, make_post):
    alice = make_user("alice")
    posts = [make_post(alice, f"before paging {index}") for index in range(7)]
    new_posts = []

    def post_two_more():
        new_posts.extend(make_post(alice, f"during paging {len(new_posts)}") for _ in range(2))

    items, responses = collect_pages(
        timelines, f"/{alice.username}/posts", limit=3, between_pages=post_two_more
    )

    ids = [post["id"] for post in items]
    assert len(ids) == len(set(ids)), ids
    assert ids == [post["id"] for post in reversed(posts)]
    assert len(new_posts) == 4
    assert "Link" not in responses[-1].headers


def test_user_posts_paged_after_burst(timelines, make_user, make_post):
    """Posts composed at the same moment may share a timestamp, and paging must still
    return each of them exactly once."""
    alice = make_user("alice")
    make_post(alice, "warms the credential cache")
    burst = run_concurrently(lambda: make_post(alice, "burst"), copies=10)
    everything = timelines.get(f"/{alice.username}/posts", params={"limit": 100}).json()

    items, _ = collect_pages(timelines, f"/{alice.username}/posts", limit=3)

    assert len(everything) == 11
    assert {post["id"] for post in burst} <= {post["id"] for post in everything}
    assert [post["id"] for post in items] == [post["id"] for post in everything]


def test_full_last_page_has_no_link(timelines, make_user, make_post):
    alice = make_user("alice")
    for index in range(4):
        make_post(alice, f"number {index}")

    items, responses = collect_pages(timelines, f"/{alice.username}/posts", limit=2)

    assert len(items) == 4
    assert len(responses) == 2
    assert "Link" not in responses[-1].headers


def test_short_list_has_no_link(timelines, make_user, make_post):
    alice = make_user("alice")
    make_post(alice)

    response = timelines.get(f"/{alice.username}/posts", params={"limit": 5})

    assert response.status_code == 200, response.text
    assert len(response.json()) == 1
    assert "Link" not in response.headers


def test_default_limit_is_20(timelines, make_user, make_post):
    alice = make_user("alice")
    for index in range(21):
        make_post(alice, f"number {index}")

    response = timelines.get(f"/{alice.username}/posts")

    assert response.status_code == 200, response.text
    assert len(response.json()) == 20
    assert "next" in response.links
    assert len(timelines.get_next_page(response).json()) == 1


def test_home_paged_in_order(timelines, make_user, make_post, make_follow):
    reader = make_user("reader")
    bob = make_user("bob")
    carol = make_user("carol")
    make_follow(reader, bob)
    make_follow(reader, carol)
    posts = [make_post(author, "for the reader") for author in (bob, carol, bob, carol, bob)]

    items, _ = collect_pages(timelines, f"/{reader.username}/home", limit=2, auth=reader)

    assert [post["id"] for post in items] == [post["id"] for post in reversed(posts)]


def test_all_posts_pages_do_not_overlap(timelines, make_user, make_post):
    alice = make_user("alice")
    for index in range(6):
        make_post(alice, f"number {index}")

    first = timelines.get("/posts/all", params={"limit": 3})
    second = timelines.get_next_page(first)

    assert second.status_code == 200, second.text
    first_ids = {post["id"] for post in first.json()}
    second_ids = {post["id"] for post in second.json()}
    assert len(second_ids) == 3
    assert not first_ids & second_ids
    assert max(post["timestamp"] for post in second.json()) <= min(
        post["timestamp"] for post in first.json()
    )
