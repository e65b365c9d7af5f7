"""Rules shared by every route: JSON errors, 404 and 405, HAProxy's 503, trailing slashes."""

import pytest

from e2e.support import ServiceClient, assert_error, assert_json, unique_username


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("users", "/no/such/route"),
        ("users", "/user"),
        ("users", "/user/someone/nothing"),
        ("timelines", "/no/such/route"),
        ("timelines", "/posts"),
        ("timelines", "/compose"),
    ],
)
def test_unknown_route_not_found(request, service, path):
    client = request.getfixturevalue(service)

    response = client.get(path)

    assert_error(response, 404)


# (service, method, path, a method the route does allow). Paths of the form
# /user/{username} and /{username}/posts are avoided where GET would match them.
WRONG_METHODS = [
    ("users", "PUT", "/user/new", "POST"),
    ("users", "POST", "/user/authenticate", "GET"),
    ("users", "POST", "/user/update", "PUT"),
    ("users", "POST", "/user/delete", "DELETE"),
    ("users", "PUT", "/user/follow", "POST"),
    ("users", "POST", "/user/unFollow", "DELETE"),
    ("users", "POST", "/user/someone/followers", "GET"),
    ("users", "DELETE", "/user/someone/following", "GET"),
    ("users", "POST", "/health-check", "GET"),
    ("timelines", "POST", "/posts/all", "GET"),
    ("timelines", "DELETE", "/someone/posts", "GET"),
    ("timelines", "POST", "/someone/home", "GET"),
    ("timelines", "PUT", "/posts/1", "GET"),
    ("timelines", "PUT", "/compose/post", "POST"),
    ("timelines", "POST", "/delete/post/1", "DELETE"),
    ("timelines", "GET", "/repost/1", "POST"),
    ("timelines", "POST", "/health-check", "GET"),
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


@pytest.mark.parametrize("host", ["nosuch.localhost", "unknown.test"])
def test_unknown_host_unavailable(base_url, host):
    response = ServiceClient(base_url, host).get("/health-check")

    assert_error(response, 503)


@pytest.mark.parametrize("service", ["users", "timelines"])
def test_health_check_ok(request, service):
    client = request.getfixturevalue(service)

    response = client.get("/health-check")

    assert response.status_code == 200, response.text
    assert_json(response)


def test_error_message_names_missing_user(users, timelines):
    nobody = unique_username("nobody")

    users_body = assert_error(users.get(f"/user/{nobody}"), 404)
    timelines_body = assert_error(timelines.get(f"/{nobody}/posts"), 404)

    assert nobody in users_body["message"]
    assert nobody in timelines_body["message"]


@pytest.fixture
def route_request(users, timelines, make_user, make_post, make_follow):
    """Return a function that sets up one route and returns (client, method, path, kwargs)."""

    def new_user():
        username = unique_username("slash")
        body = {"username": username, "email": f"{username}@example.test", "password": "p" * 8}
        return users, "POST", "/user/new", {"json": body}

    def authenticate():
        return users, "GET", "/user/authenticate", {"auth": make_user("alice")}

    def get_user():
        return users, "GET", f"/user/{make_user('alice').username}", {}

    def update():
        alice = make_user("alice")
        body = {"user_id": alice.id, "column": "bio", "content": "slash"}
        return users, "PUT", "/user/update", {"auth": alice, "json": body}

    def delete_user():
        alice = make_user("alice")
        return users, "DELETE", "/user/delete", {"auth": alice, "json": {"user_id": alice.id}}

    def followers():
        return users, "GET", f"/user/{make_user('alice').username}/followers", {}

    def following():
        return users, "GET", f"/user/{make_user('alice').username}/following", {}

    def follow():
        alice = make_user("alice")
        body = {"following_username": make_user("bob").username}
        return users, "POST", "/user/follow", {"auth": alice, "json": body}

    def unfollow():
        alice = make_user("alice")
        bob = make_user("bob")
        make_follow(alice, bob)
        body = {"following_username": bob.username}
        return users, "DELETE", "/user/unFollow", {"auth": alice, "json": body}

    def all_posts():
        return timelines, "GET", "/posts/all", {}

    def user_posts():
        return timelines, "GET", f"/{make_user('alice').username}/posts", {}

    def home():
        alice = make_user("alice")
        return timelines, "GET", f"/{alice.username}/home", {"auth": alice}

    def get_post():
        post = make_post(make_user("alice"))
        return timelines, "GET", f"/posts/{post['id']}", {}

    def compose():
        alice = make_user("alice")
        return timelines, "POST", "/compose/post", {"auth": alice, "json": {"text": "slash"}}

    def delete_post():
        alice = make_user("alice")
        post = make_post(alice)
        return timelines, "DELETE", f"/delete/post/{post['id']}", {"auth": alice}

    def repost():
        post = make_post(make_user("alice"))
        return timelines, "POST", f"/repost/{post['id']}", {"auth": make_user("bob")}

    builders = {
        "POST /user/new": new_user,
        "GET /user/authenticate": authenticate,
        "GET /user/{username}": get_user,
        "PUT /user/update": update,
        "DELETE /user/delete": delete_user,
        "GET /user/{username}/followers": followers,
        "GET /user/{username}/following": following,
        "POST /user/follow": follow,
        "DELETE /user/unFollow": unfollow,
        "GET /posts/all": all_posts,
        "GET /{username}/posts": user_posts,
        "GET /{username}/home": home,
        "GET /posts/{id}": get_post,
        "POST /compose/post": compose,
        "DELETE /delete/post/{id}": delete_post,
        "POST /repost/{id}": repost,
    }
    return lambda route: builders[route]()


ROUTES_AND_STATUSES = {
    "POST /user/new": 201,
    "GET /user/authenticate": 200,
    "GET /user/{username}": 200,
    "PUT /user/update": 200,
    "DELETE /user/delete": 200,
    "GET /user/{username}/followers": 200,
    "GET /user/{username}/following": 200,
    "POST /user/follow": 201,
    "DELETE /user/unFollow": 200,
    "GET /posts/all": 200,
    "GET /{username}/posts": 200,
    "GET /{username}/home": 200,
    "GET /posts/{id}": 200,
    "POST /compose/post": 201,
    "DELETE /delete/post/{id}": 200,
    "POST /repost/{id}": 201,
}


@pytest.mark.parametrize(("route", "status"), list(ROUTES_AND_STATUSES.items()))
def test_trailing_slash_accepted(route_request, route, status):
    client, method, path, kwargs = route_request(route)

    response = client.request(method, path + "/", **kwargs)

    assert response.status_code == status, response.text
    assert_json(response)
