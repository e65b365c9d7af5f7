"""Tests of account creation, authentication, update and deletion."""

import base64
import logging

import psycopg
import pytest

from services.common.auth import Credentials
from services.users import lookups

from .conftest import basic, create_user


def test_create_user_returns_public_fields(client):
    response = client.post(
        "/user/new",
        json={"username": "Ada", "email": "ada@example.com", "password": "password", "bio": "hi"},
    )

    assert response.status_code == 201
    assert response.get_json() == {
        "id": 1,
        "username": "Ada",
        "email": "ada@example.com",
        "bio": "hi",
    }
    assert response.headers["Location"].endswith("/user/Ada")


def test_create_user_stores_argon2_hash_only(client, users_database):
    create_user(client, "ada", password="correct horse")

    with psycopg.connect(users_database) as conn:
        (stored,) = conn.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


@pytest.mark.parametrize(
    ("second_username", "second_email", "taken"),
    [
        ("ADA", "other@example.com", "username"),
        ("other", "ADA@Example.com", "email"),
    ],
)
def test_create_user_duplicate_any_case(client, second_username, second_email, taken):
    create_user(client, "ada")

    response = client.post(
        "/user/new",
        json={"username": second_username, "email": second_email, "password": "password"},
    )

    assert response.status_code == 409
    assert response.get_json()["message"].startswith(taken)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com", "password": "password"},
        {"username": "a-b", "email": "a@example.com", "password": "password"},
        {"username": "a" * 31, "email": "a@example.com", "password": "password"},
        {"username": "ada", "email": "not-an-email", "password": "password"},
        {"username": "ada", "email": "a@example.com", "password": "short"},
        {"username": "ada", "email": "a@example.com", "password": "password", "bio": "b" * 161},
        {"username": 5, "email": "a@example.com", "password": "password"},
        {"username": "ada", "email": "a@example.com", "password": "password", "admin": True},
    ],
)
def test_create_user_invalid_body_writes_nothing(client, users_database, body):
    response = client.post("/user/new", json=body)

    assert response.status_code == 400
    assert response.get_json()["status"] == "400 Bad Request"
    with psycopg.connect(users_database) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("username=ada", "application/x-www-form-urlencoded", 415),
        ('{"username": "ada"}', "text/plain", 415),
        ("{not json", "application/json", 400),
        ('["ada"]', "application/json", 400),
        ("", "application/json", 400),
    ],
)
def test_create_user_rejects_non_object_bodies(client, data, content_type, status):
    response = client.post("/user/new", data=data, content_type=content_type)

    assert response.status_code == status
    assert response.is_json


def test_authenticate_valid_credentials(client):
    user = create_user(client, "ada")

    response = client.get("/user/authenticate", headers=basic("ada", "password"))

    assert response.status_code == 200
    assert response.get_json() == user


def test_authenticate_due_entry_checks_again(app, client, monkeypatch):
    create_user(client, "ada")
    cache = app.extensions["users"].credentials
    monkeypatch.setattr(cache, "REFRESH_FRACTION", 1.0)
    checks = []
    original_verify = lookups.verify_password

    def counting_verify(password_hash, password):
        checks.append(password)
        return original_verify(password_hash, password)

    monkeypatch.setattr(lookups, "verify_password", counting_verify)

    first = client.get("/user/authenticate", headers=basic("ada", "password"))
    second = client.get("/user/authenticate", headers=basic("ada", "password"))

    assert first.status_code == 200
    assert second.status_code == 200
    assert len(checks) == 2


def test_authenticate_due_entry_used_while_checking(app, client, monkeypatch):
    create_user(client, "ada")
    cache = app.extensions["users"].credentials
    client.get("/user/authenticate", headers=basic("ada", "password"))
    monkeypatch.setattr(cache, "REFRESH_FRACTION", 1.0)
    key = cache.key(Credentials("ada", "password"))
    cache.put(key, cache.get(key))

    def failing_verify(password_hash, password):
        raise AssertionError("a due entry was checked while another check held its lock")

    monkeypatch.setattr(lookups, "verify_password", failing_verify)
    with cache.verifying(key):
        response = client.get("/user/authenticate", headers=basic("ada", "password"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer abc",
        "Basic",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"ada:\xff\xfe").decode(),
        "Basic " + base64.b64encode(b"ada:wrong-password").decode(),
        "Basic " + base64.b64encode(b"nobody:password").decode(),
    ],
)
def test_authenticate_bad_credentials_401(client, header):
    create_user(client, "ada")
    headers = {"Authorization": header} if header else {}

    response = client.get("/user/authenticate", headers=headers)

    assert response.status_code == 401
    assert response.get_json()["status"] == "401 Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("password", ["with:colons:inside", "pässwörd ünïcode 🔑"])
def test_authenticate_colon_and_utf8_passwords(client, password):
    create_user(client, "ada", password=password)

    response = client.get("/user/authenticate", headers=basic("ada", password))

    assert response.status_code == 200


def test_show_user_counts_follows(client):
    create_user(client, "ada", bio="first programmer")
    create_user(client, "grace")
    client.post(
        "/user/follow", json={"following_username": "ada"}, headers=basic("grace", "password")
    )

    response = client.get("/user/ADA")

    assert response.status_code == 200
    assert response.get_json() == {
        "id": 1,
        "username": "ada",
        "bio": "first programmer",
        "followers": 1,
        "following": 0,
    }


def test_show_user_unknown_404(client):
    response = client.get("/user/nobody")

    assert response.status_code == 404
    assert response.get_json()["message"] == "user nobody does not exist"


def test_update_password_takes_effect_at_once(client):
    user = create_user(client, "ada")
    assert client.get("/user/authenticate", headers=basic("ada", "password")).status_code == 200

    response = client.put(
        "/user/update",
        json={"user_id": str(user["id"]), "column": "password", "content": "new password"},
        headers=basic("ada", "password"),
    )

    assert response.status_code == 200
    assert "password" not in response.get_json()
    assert client.get("/user/authenticate", headers=basic("ada", "password")).status_code == 401
    assert client.get("/user/authenticate", headers=basic("ada", "new password")).status_code == 200


@pytest.mark.parametrize(
    ("column", "content", "expected"),
    [("bio", "new bio", "new bio"), ("email", "Ada@New.example", "Ada@New.example")],
)
def test_update_bio_and_email(client, column, content, expected):
    create_user(client, "ada")

    response = client.put(
        "/user/update",
        json={"user_id": 1, "column": column, "content": content},
        headers=basic("ada", "password"),
    )

    assert response.status_code == 200
    assert response.get_json()[column] == expected


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"user_id": 1, "column": "username", "content": "eve"}, 400),
        ({"user_id": 1, "column": "id", "content": "9"}, 400),
        ({"user_id": 1, "column": "bio", "content": "b" * 161}, 400),
        ({"user_id": 1, "column": "email", "content": "grace@example.com"}, 409),
        ({"user_id": 2, "column": "bio", "content": "mine now"}, 403),
        ({"user_id": 99, "column": "bio", "content": "ghost"}, 404),
        ({"user_id": True, "column": "bio", "content": "x"}, 400),
        ({"column": "bio", "content": "x"}, 400),
        ({"user_id": None, "column": "bio", "content": "x"}, 400),
    ],
)
def test_update_rejections(client, users_database, body, status):
    create_user(client, "ada", bio="original")
    create_user(client, "grace", bio="original")

    response = client.put("/user/update", json=body, headers=basic("ada", "password"))

    assert response.status_code == status
    with psycopg.connect(users_database) as conn:
        bios = [row[0] for row in conn.execute("SELECT bio FROM users ORDER BY id")]
    assert bios == ["original", "original"]


def test_delete_user_removes_follows(client):
    create_user(client, "ada")
    create_user(client, "grace")
    client.post(
        "/user/follow", json={"following_username": "grace"}, headers=basic("ada", "password")
    )

    response = client.delete("/user/delete", json={"user_id": 1}, headers=basic("ada", "password"))

    assert response.status_code == 200
    assert client.get("/user/ada").status_code == 404
    assert client.get("/user/grace").get_json()["followers"] == 0


@pytest.mark.parametrize("body", [{}, {"user_id": None}, None])
def test_delete_without_user_id_400(client, body):
    create_user(client, "ada")

    if body is None:
        response = client.delete(
            "/user/delete",
            data="",
            content_type="application/json",
            headers=basic("ada", "password"),
        )
    else:
        response = client.delete("/user/delete", json=body, headers=basic("ada", "password"))

    assert response.status_code == 400
    assert client.get("/user/ada").status_code == 200


def test_delete_other_user_403(client):
    create_user(client, "ada")
    create_user(client, "grace")

    response = client.delete("/user/delete", json={"user_id": 2}, headers=basic("ada", "password"))

    assert response.status_code == 403
    assert client.get("/user/grace").status_code == 200


def test_no_response_contains_password_hash(client):
    user = create_user(client, "ada")
    responses = [
        client.get("/user/authenticate", headers=basic("ada", "password")),
        client.get("/user/ada"),
        client.put(
            "/user/update",
            json={"user_id": user["id"], "column": "bio", "content": "x"},
            headers=basic("ada", "password"),
        ),
    ]

    for response in responses:
        assert b"argon2" not in response.data
        assert "password" not in response.get_json()


def test_body_over_64_kib_413_json(client, users_database):
    body = '{"username": "ada", "email": "ada@example.com", "password": "password", "bio": "'
    body += "b" * (64 * 1024) + '"}'

    response = client.post("/user/new", data=body, content_type="application/json")

    assert response.status_code == 413
    assert response.get_json() == {
        "status": "413 Request Entity Too Large",
        "message": "request body too large",
    }
    with psycopg.connect(users_database) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_logs_hold_no_secret_or_body(client, caplog):
    caplog.set_level(logging.DEBUG)
    create_user(client, "ada", password="hunter2-secret")

    client.get("/user/authenticate", headers=basic("ada", "hunter2-secret"))
    client.get("/user/authenticate", headers=basic("ada", "wrong-secret"))
    client.put(
        "/user/update",
        json={"user_id": 1, "column": "bio", "content": "body-marker"},
        headers=basic("ada", "hunter2-secret"),
    )

    token = basic("ada", "hunter2-secret")["Authorization"].split()[1]
    for forbidden in ("hunter2-secret", "wrong-secret", token, "body-marker", "$argon2"):
        assert forbidden not in caplog.text
