"""Rules shared by every route of the likes and polls services: JSON 404 and 405,
optional trailing slashes and the health check."""

import pytest

from e2e.support import assert_error, assert_json


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("likes", "/no/such/route"),
        ("likes", "/likes"),
        ("likes", "/like/posts"),
        ("likes", "/like/1/extra"),
        ("likes", "/unlike/1"),
        ("polls", "/no/such/route"),
        ("polls", "/polls"),
        ("polls", "/poll/results"),
        ("polls", "/poll/results/someone"),
        ("polls", "/poll/results/someone/1/extra"),
        ("polls", "/poll/vote/1"),
    ],
)
def test_unknown_route_not_found(request, service, path):
    client = request.getfixturevalue(service)

    response = client.get(path)

    assert_error(response, 404)


# (service, method, path, a method the route does allow)
WRONG_METHODS = [
    ("likes", "GET", "/like", "POST"),
    ("likes", "PUT", "/like", "POST"),
    ("likes", "POST", "/unlike", "DELETE"),
    ("likes", "POST", "/like/1", "GET"),
    ("likes", "DELETE", "/like/posts/someone", "GET"),
    ("likes", "POST", "/like/popular", "GET"),
    ("likes", "POST", "/health-check", "GET"),
    ("polls", "GET", "/poll", "POST"),
    ("polls", "POST", "/poll/results/someone/1", "GET"),
    ("polls", "POST", "/poll/vote", "PUT"),
    ("polls", "GET", "/poll/vote", "PUT"),
    ("polls", "POST", "/poll/delete", "DELETE"),
    ("polls", "POST", "/health-check", "GET"),
]


@pytest.mark.parametrize(
    ("service", "method", "path", "allowed"),
    WRONG_METHODS,
    ids=[f"{service}-{method} {path}" for service, method, path, _ in WRONG_METHODS],
)
def test_wrong_method_not_allowed(request, service, method, path, allowed):
    client = request.getfixturevalue(service)

    response = client.request(method, path, json={})

    assert_error(response, 405)
    allow = {name.strip() for name in response.headers.get("Allow", "").split(",")}
    assert allowed in allow, response.headers.get("Allow")
    assert method not in allow, response.headers.get("Allow")


@pytest.mark.parametrize("service", ["likes", "polls"])
def test_health_check_ok(request, service):
    client = request.getfixturevalue(service)

    response = client.get("/health-check")

    assert response.status_code == 200, response.text
    assert_json(response)


@pytest.fixture
def route_request(likes, polls, make_user, make_post, make_like, make_poll, reuse):
    """Return a function that sets up one route and returns (client, method, path, kwargs)."""
    alice = reuse("alice", lambda: make_user("alice"))

    def like():
        post = make_post(alice)
        return likes, "POST", "/like", {"auth": alice, "json": {"post_id": post["id"]}}

    def unlike():
        post = make_post(alice)
        make_like(alice, post["id"])
        return likes, "DELETE", "/unlike", {"auth": alice, "json": {"post_id": post["id"]}}

    def like_count():
        return likes, "GET", f"/like/{make_post(alice)['id']}", {}

    def liked_posts():
        return likes, "GET", f"/like/posts/{alice.username}", {}

    def popular():
        return likes, "GET", "/like/popular", {}

    def likes_health_check():
        return likes, "GET", "/health-check", {}

    def polls_health_check():
        return polls, "GET", "/health-check", {}

    def create_poll():
        body = {"question": "Slash?", "options": ["yes", "no"]}
        return polls, "POST", "/poll", {"auth": alice, "json": body}

    def results():
        poll = make_poll(alice)
        return polls, "GET", f"/poll/results/{alice.username}/{poll['poll_id']}", {}

    def vote():
        poll = make_poll(alice)
        body = {"poll_id": poll["poll_id"], "owner_username": alice.username, "vote": 1}
        return polls, "PUT", "/poll/vote", {"auth": alice, "json": body}

    def delete_poll():
        poll = make_poll(alice)
        return (
            polls,
            "DELETE",
            "/poll/delete",
            {"auth": alice, "json": {"poll_id": poll["poll_id"]}},
        )

    builders = {
        "POST /like": like,
        "DELETE /unlike": unlike,
        "GET /like/{post_id}": like_count,
        "GET /like/posts/{username}": liked_posts,
        "GET /like/popular": popular,
        "likes GET /health-check": likes_health_check,
        "POST /poll": create_poll,
        "GET /poll/results/{username}/{poll_id}": results,
        "PUT /poll/vote": vote,
        "DELETE /poll/delete": delete_poll,
        "polls GET /health-check": polls_health_check,
    }
    return lambda route: builders[route]()


ROUTES_AND_STATUSES = {
    "POST /like": 200,
    "DELETE /unlike": 200,
    "GET /like/{post_id}": 200,
    "GET /like/posts/{username}": 200,
    "GET /like/popular": 200,
    "likes GET /health-check": 200,
    "POST /poll": 201,
    "GET /poll/results/{username}/{poll_id}": 200,
    "PUT /poll/vote": 200,
    "DELETE /poll/delete": 200,
    "polls GET /health-check": 200,
}


@pytest.mark.parametrize(("route", "status"), list(ROUTES_AND_STATUSES.items()))
def test_trailing_slash_accepted(route_request, route, status):
    client, method, path, kwargs = route_request(route)

    response = client.request(method, path + "/", **kwargs)

    assert response.status_code == status, response.text
    assert_json(response)
