"""Reposts on the timelines service."""

from urllib.parse import urlsplit

from e2e.support import assert_error, assert_post_shape, run_concurrently


def original_id(repost: dict) -> str:
    """Return the last path segment of a repost's original_post_url."""
    return urlsplit(repost["original_post_url"]).path.rstrip("/").rsplit("/", 1)[-1]


def test_repost_returns_post(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    original = make_post(alice, "worth sharing")

    response = timelines.post(f"/repost/{original['id']}", auth=bob)

    assert response.status_code == 201, response.text
    repost = response.json()
    assert_post_shape(repost)
    assert repost["id"] != original["id"]
    assert repost["username"] == bob.username
    assert repost["text"] == "worth sharing"
    assert repost["repost"] is True
    assert urlsplit(repost["original_post_url"]).scheme in ("http", "https")
    assert (
        urlsplit(repost["original_post_url"]).path.rstrip("/").endswith(f"/posts/{original['id']}")
    )


def test_repost_is_fetchable(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    original = make_post(alice)
    repost = timelines.post(f"/repost/{original['id']}", auth=bob).json()

    response = timelines.get(f"/posts/{repost['id']}")

    assert response.status_code == 200, response.text
    assert response.json() == repost


def test_repost_in_reposter_posts(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    original = make_post(alice)
    repost = timelines.post(f"/repost/{original['id']}", auth=bob).json()

    response = timelines.get(f"/{bob.username}/posts")

    assert response.status_code == 200, response.text
    assert response.json() == [repost]


def test_repost_of_repost_points_at_original(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    carol = make_user("carol")
    original = make_post(alice, "the source")
    first = timelines.post(f"/repost/{original['id']}", auth=bob).json()

    response = timelines.post(f"/repost/{first['id']}", auth=carol)

    assert response.status_code == 201, response.text
    second = response.json()
    assert second["repost"] is True
    assert second["username"] == carol.username
    assert second["text"] == "the source"
    assert original_id(second) == str(original["id"])


def test_repost_twice_conflict(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    original = make_post(alice)
    assert timelines.post(f"/repost/{original['id']}", auth=bob).status_code == 201

    response = timelines.post(f"/repost/{original['id']}", auth=bob)

    assert_error(response, 409)
    assert len(timelines.get(f"/{bob.username}/posts").json()) == 1


def test_repost_original_after_its_repost_conflict(timelines, make_user, make_post):
    """A repost of a repost counts as a repost of the original, so both are one repost."""
    alice = make_user("alice")
    bob = make_user("bob")
    carol = make_user("carol")
    original = make_post(alice)
    first = timelines.post(f"/repost/{original['id']}", auth=bob).json()
    assert timelines.post(f"/repost/{first['id']}", auth=carol).status_code == 201

    response = timelines.post(f"/repost/{original['id']}", auth=carol)

    assert_error(response, 409)
    assert len(timelines.get(f"/{carol.username}/posts").json()) == 1


def test_repost_missing_post_not_found(timelines, make_user):
    alice = make_user("alice")
    missing_id = 2**31 - 1

    response = timelines.post(f"/repost/{missing_id}", auth=alice)

    body = assert_error(response, 404)
    assert str(missing_id) in body["message"]
    assert timelines.get(f"/{alice.username}/posts").json() == []


def test_repost_concurrent_copies_repost_once(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    original = make_post(alice)

    responses = run_concurrently(lambda: timelines.post(f"/repost/{original['id']}", auth=bob))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 9
    bob_posts = timelines.get(f"/{bob.username}/posts").json()
    assert len(bob_posts) == 1
    assert bob_posts[0]["repost"] is True


def test_delete_post_deletes_reposts(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    original = make_post(alice)
    repost = timelines.post(f"/repost/{original['id']}", auth=bob).json()

    response = timelines.delete(f"/delete/post/{original['id']}", auth=alice)

    assert response.status_code == 200, response.text
    assert_error(timelines.get(f"/posts/{repost['id']}"), 404)
    assert timelines.get(f"/{bob.username}/posts").json() == []


def test_delete_repost_keeps_original(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    original = make_post(alice)
    repost = timelines.post(f"/repost/{original['id']}", auth=bob).json()

    response = timelines.delete(f"/delete/post/{repost['id']}", auth=bob)

    assert response.status_code == 200, response.text
    assert timelines.get(f"/posts/{original['id']}").status_code == 200
    assert_error(timelines.get(f"/posts/{repost['id']}"), 404)
