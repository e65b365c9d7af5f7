"""Tests of following, unfollowing and the paginated follow lists."""

from concurrent.futures import ThreadPoolExecutor

import psycopg

from services.users import data

from .conftest import basic, create_user


def follow(client, follower: str, following: str):
    return client.post(
        "/user/follow",
        json={"following_username": following},
        headers=basic(follower, "password"),
    )


def test_follow_then_duplicate_409(client):
    create_user(client, "ada")
    create_user(client, "grace")

    first = follow(client, "ada", "Grace")
    second = follow(client, "ada", "grace")

    assert first.status_code == 201
    assert first.get_json() == {"follower": "ada", "following": "grace"}
    assert second.status_code == 409


def test_follow_self_any_case_400(client):
    create_user(client, "ada")

    response = follow(client, "ada", "ADA")

    assert response.status_code == 400


def test_follow_unknown_user_404(client):
    create_user(client, "ada")

    response = follow(client, "ada", "nobody")

    assert response.status_code == 404


def test_follow_for_someone_else_403(client):
    create_user(client, "ada")
    create_user(client, "grace")
    create_user(client, "linus")

    response = client.post(
        "/user/follow",
        json={"follower_username": "grace", "following_username": "linus"},
        headers=basic("ada", "password"),
    )

    assert response.status_code == 403


def test_unfollow_then_again_404(client):
    create_user(client, "ada")
    create_user(client, "grace")
    follow(client, "ada", "grace")
    body = {"follower_username": "ada", "following_username": "grace"}

    first = client.delete("/user/unFollow", json=body, headers=basic("ada", "password"))
    second = client.delete("/user/unFollow", json=body, headers=basic("ada", "password"))

    assert first.status_code == 200
    assert second.status_code == 404


def test_insert_follow_concurrent_duplicates_store_one(app, client, users_database):
    create_user(client, "ada")
    create_user(client, "grace")
    pool = app.extensions["users"].pool

    def insert_once(_):
        with pool.connection() as conn:
            return data.insert_follow(conn, 1, 2)

    with ThreadPoolExecutor(max_workers=8) as executor:
        results = list(executor.map(insert_once, range(10)))

    assert results.count(True) == 1
    with psycopg.connect(users_database) as conn:
        assert conn.execute("SELECT count(*) FROM follows").fetchone()[0] == 1


def test_followers_pages_with_shared_timestamp(client, users_database):
    create_user(client, "star")
    names = [f"fan{number:02d}" for number in range(25)]
    with psycopg.connect(users_database) as conn:
        # One transaction: every follow gets the same created_at.
        for name in names:
            conn.execute(
                "INSERT INTO users (username, email, password_hash) VALUES (%s, %s, 'x')",
                (name, f"{name}@example.com"),
            )
            conn.execute(
                "INSERT INTO follows (follower_id, following_id) "
                "SELECT id, 1 FROM users WHERE username = %s",
                (name,),
            )

    seen = []
    url = "/user/star/followers?limit=10"
    pages = 0
    while url and pages < 10:
        response = client.get(url)
        assert response.status_code == 200
        seen.extend(item["username"] for item in response.get_json())
        link = response.headers.get("Link")
        url = link[link.index("<") + 1 : link.index(">")] if link else None
        pages += 1

    assert pages == 3
    assert sorted(seen) == names
    assert len(seen) == len(set(seen))


def test_following_list_and_names(client):
    create_user(client, "ada")
    create_user(client, "grace")
    create_user(client, "linus")
    follow(client, "ada", "grace")
    follow(client, "ada", "linus")

    page = client.get("/user/ada/following")
    names = client.get("/user/ada/following/names")

    assert page.status_code == 200
    assert page.get_json() == [{"username": "linus"}, {"username": "grace"}]
    assert "Link" not in page.headers
    assert names.get_json() == {"username": "ada", "following": ["grace", "linus"]}


def test_follow_lists_reject_bad_paging(client):
    create_user(client, "ada")

    for query in ("limit=0", "limit=101", "limit=abc", "before=garbage"):
        response = client.get(f"/user/ada/followers?{query}")
        assert response.status_code == 400, query
