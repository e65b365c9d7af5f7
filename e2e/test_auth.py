"""HTTP Basic authentication on every authenticated endpoint of both services."""

import base64

import pytest

from e2e.support import DEFAULT_PASSWORD, User, assert_error, basic_auth, unique_username

# (service fixture, method, path template, JSON body template). The templates are
# filled from the owner's fields, so each request would succeed with valid credentials.
AUTHENTICATED_ENDPOINTS = [
    ("users", "GET", "/user/authenticate", None),
    ("users", "PUT", "/user/update", {"user_id": "{id}", "column": "bio", "content": "changed"}),
    ("users", "DELETE", "/user/delete", {"user_id": "{id}"}),
    ("users", "POST", "/user/follow", {"following_username": "{other}"}),
    ("users", "DELETE", "/user/unFollow", {"following_username": "{other}"}),
    ("timelines", "GET", "/{username}/home", None),
    ("timelines", "POST", "/compose/post", {"text": "should not be posted"}),
    ("timelines", "DELETE", "/delete/post/{post_id}", None),
    ("timelines", "POST", "/repost/{post_id}", None),
]
AUTHENTICATED_ENDPOINT_IDS = [f"{method} {path}" for _, method, path, _ in AUTHENTICATED_ENDPOINTS]


def fill(template, values: dict):
    """Format every string in a JSON body template, keeping "{id}" an integer."""
    if template == "{id}":
        return values["id"]
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    return template


@pytest.fixture(scope="module")
def owner_and_post(users, timelines):
    """Create, once per module, a user who follows another and has one post.

    Only requests that must fail authentication use them, so they stay unchanged,
    and each test checks that.
    """
    accounts = []
    for prefix in ("owner", "other"):
        username = unique_username(prefix)
        body = {
            "username": username,
            "email": f"{username}@example.test",
            "password": DEFAULT_PASSWORD,
        }
        response = users.post("/user/new", json=body)
        assert response.status_code == 201, response.text
        accounts.append(User(response.json()["id"], username, body["email"], DEFAULT_PASSWORD))
    owner, other = accounts

    response = users.post("/user/follow", auth=owner, json={"following_username": other.username})
    assert response.status_code == 201, response.text
    response = timelines.post("/compose/post", auth=other, json={"text": "target post"})
    assert response.status_code == 201, response.text
    return owner, other, response.json()


def send_to_endpoint(request, endpoint, owner_and_post, headers):
    service, method, path, body = endpoint
    owner, other, post = owner_and_post
    values = {
        "id": owner.id,
        "username": owner.username,
        "other": other.username,
        "post_id": post["id"],
    }
    client = request.getfixturevalue(service)
    return client.request(method, fill(path, values), json=fill(body, values), headers=headers)


def assert_nothing_changed(users, timelines, owner_and_post):
    owner, other, post = owner_and_post
    profile = users.get(f"/user/{owner.username}")
    assert profile.status_code == 200, profile.text
    assert profile.json()["following"] == 1
    assert profile.json()["bio"] in (None, "")
    assert timelines.get(f"/{owner.username}/posts").json() == []
    assert timelines.get(f"/posts/{post['id']}").json() == post


@pytest.mark.parametrize("endpoint", AUTHENTICATED_ENDPOINTS, ids=AUTHENTICATED_ENDPOINT_IDS)
def test_no_credentials_unauthorized(request, users, timelines, owner_and_post, endpoint):
    response = send_to_endpoint(request, endpoint, owner_and_post, headers={})

    assert_error(response, 401)
    assert "Basic" in response.headers.get("WWW-Authenticate", "")
    assert_nothing_changed(users, timelines, owner_and_post)


@pytest.mark.parametrize("endpoint", AUTHENTICATED_ENDPOINTS, ids=AUTHENTICATED_ENDPOINT_IDS)
def test_wrong_password_unauthorized(request, users, timelines, owner_and_post, endpoint):
    owner = owner_and_post[0]
    headers = {"Authorization": basic_auth(owner.username, DEFAULT_PASSWORD + "x")}

    response = send_to_endpoint(request, endpoint, owner_and_post, headers=headers)

    assert_error(response, 401)
    assert "Basic" in response.headers.get("WWW-Authenticate", "")
    assert_nothing_changed(users, timelines, owner_and_post)


@pytest.mark.parametrize("endpoint", AUTHENTICATED_ENDPOINTS, ids=AUTHENTICATED_ENDPOINT_IDS)
def test_unknown_user_unauthorized(request, users, timelines, owner_and_post, endpoint):
    headers = {"Authorization": basic_auth(unique_username("nobody"), DEFAULT_PASSWORD)}

    response = send_to_endpoint(request, endpoint, owner_and_post, headers=headers)

    assert_error(response, 401)
    assert_nothing_changed(users, timelines, owner_and_post)


def encoded(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode("ascii")


MALFORMED_AUTHORIZATION = {
    "no-colon": encoded(b"just-a-username"),
    "bad-base64": "Basic !!!not*base64!!!",
    "truncated-base64": "Basic YWRhOnBhc3N3b3J",
    "no-token": "Basic",
    "bearer-scheme": "Bearer x",
    "non-utf8": encoded(b"\xff\xfe:\xc3\x28"),
    "empty-credentials": encoded(b":"),
}


@pytest.mark.parametrize(
    "authorization", list(MALFORMED_AUTHORIZATION.values()), ids=list(MALFORMED_AUTHORIZATION)
)
@pytest.mark.parametrize(
    "endpoint",
    [AUTHENTICATED_ENDPOINTS[0], AUTHENTICATED_ENDPOINTS[6]],
    ids=["users", "timelines"],
)
def test_malformed_authorization_unauthorized(
    request, users, timelines, owner_and_post, endpoint, authorization
):
    response = send_to_endpoint(
        request, endpoint, owner_and_post, headers={"Authorization": authorization}
    )

    assert_error(response, 401)
    assert_nothing_changed(users, timelines, owner_and_post)


SPECIAL_PASSWORDS = [
    "pass:word:with:colons",
    "pässwörd:ünïcode",
    ":starts with colon",
    "ends with colon:",
]
SPECIAL_PASSWORD_IDS = ["colons", "utf8-and-colon", "leading-colon", "trailing-colon"]


@pytest.mark.parametrize("password", SPECIAL_PASSWORDS, ids=SPECIAL_PASSWORD_IDS)
def test_special_password_users(users, make_user, password):
    alice = make_user("alice", password=password)

    response = users.get("/user/authenticate", auth=alice)

    assert response.status_code == 200, response.text
    assert response.json()["username"] == alice.username


@pytest.mark.parametrize("password", SPECIAL_PASSWORDS, ids=SPECIAL_PASSWORD_IDS)
def test_special_password_timelines(timelines, make_user, password):
    alice = make_user("alice", password=password)

    response = timelines.post("/compose/post", auth=alice, json={"text": "special password"})

    assert response.status_code == 201, response.text
    assert response.json()["username"] == alice.username


def test_utf8_password_rejects_latin1_encoding(users, make_user):
    alice = make_user("alice", password="pässwörd:ünïcode")
    latin1 = f"{alice.username}:{alice.password}".encode("latin-1")

    response = users.get("/user/authenticate", headers={"Authorization": encoded(latin1)})

    assert_error(response, 401)
